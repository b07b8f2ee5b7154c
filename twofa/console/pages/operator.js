// One operator's page, for administrators: their facts and two-factor compliance, role,
// lock, access, override, reset and sessions.

import { graphql, mutate, operatorMutation, POLICY } from "../api.js";
import { complianceBadge } from "../compliance.js";
import { timeElement } from "../format.js";
import { announce, form, h, heading, MODES, modeRadios, policyWords, safely, STATES } from "../forms.js";
import { navigate } from "../router.js";
import { accessSection, invitationSection, lockSection, roleSection } from "./operator-access.js";
import { words } from "./operators.js";
import { sessionsSection } from "./sessions.js";
import { temporaryAccessPassForm } from "./temporary-access-pass.js";
import { trustedDevicesSection } from "./trusted-devices.js";

const OPERATOR = `query Operator($id: ID!) {
  viewer { id }
  node(id: $id) {
    ... on Operator {
      id name email role status usesSingleSignOn twoFactorOverride recoveryCodesRemaining ${POLICY}
      invitedAt invitedBy { name } invitationExpiresAt
      createdAt lastLoginAt twoFactorConfiguredAt lockedUntil
    }
  }
}`;

const SET_OVERRIDE = operatorMutation(
  "setOperatorTwoFactorOverride", "operator { id }", ", $mode: TwoFactorMode!", ", mode: $mode",
);
const CLEAR_OVERRIDE = operatorMutation("clearOperatorTwoFactorOverride", "operator { id }");
const RESET = operatorMutation("resetOperatorTwoFactor", "operator { id }");

export async function operatorPage({ id }) {
  const { viewer, node: operator } = await graphql(OPERATOR, { id });
  if (!operator) return h("section", {}, heading("Operator not found"), h("p", {}, h("a", { href: "#/operators" }, "Back to the operators")));
  const policy = operator.effectiveTwoFactorPolicy;
  const self = operator.id === viewer.id;
  const when = (iso, otherwise) => (iso ? timeElement(iso) : otherwise);
  const reload = (notice) => navigate(`/operators/${encodeURIComponent(id)}`, notice);

  const modes = modeRadios({ legend: "Mode for this operator", checked: operator.twoFactorOverride ?? policy.accountDefault, disabled: !operator.twoFactorOverride });
  const overrideBox = h("input", {
    type: "checkbox",
    id: "override",
    name: "override",
    checked: operator.twoFactorOverride !== null,
    onchange: () => {
      modes.disabled = !overrideBox.checked;
    },
  });
  const overrideForm = form(
    {
      submitLabel: "Save",
      submit: async ({ override, mode }) => {
        const result = override
          ? await mutate(SET_OVERRIDE, { operatorId: id, mode })
          : await mutate(CLEAR_OVERRIDE, { operatorId: id });
        if (result.operator) reload(override ? `Saved: ${MODES[mode].label.toLowerCase()} for ${operator.name}.` : `Saved: ${operator.name} follows the account default.`);
        return result.userErrors;
      },
    },
    h("div", { class: "choice" }, overrideBox, h("label", { for: "override" }, "Override two-factor authentication settings")),
    modes,
  );

  // Resetting is destructive, so it asks for confirmation first.
  const resetArea = h("div", {});
  const askReset = () => {
    const cancel = h("button", { type: "button", onclick: showReset }, "Cancel");
    resetArea.replaceChildren(
      h(
        "div",
        { class: "confirm", role: "group", "aria-label": "Confirm reset" },
        h("p", {}, h("strong", {}, `Reset two-factor authentication for ${operator.name}?`)),
        h(
          "div",
          { class: "actions" },
          h(
            "button",
            {
              type: "button",
              class: "danger",
              onclick: safely(async () => {
                const result = await mutate(RESET, { operatorId: id });
                if (result.userErrors.length) announce(result.userErrors[0].message, "error");
                else reload(`Two-factor authentication was reset for ${operator.name}.`);
              }),
            },
            "Yes, reset",
          ),
          cancel,
        ),
      ),
    );
    cancel.focus();
  };
  function showReset() {
    resetArea.replaceChildren(h("button", { type: "button", onclick: askReset }, "Reset two-factor authentication"));
  }
  showReset();

  return h(
    "section",
    { class: "narrow" },
    h("p", {}, h("a", { href: "#/operators" }, "← Operators")),
    heading(operator.name),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Email"),
      h("dd", {}, operator.email),
      h("dt", {}, "Role"),
      h("dd", {}, words(operator.role)),
      h("dt", {}, "Status"),
      h("dd", {}, words(operator.status)),
      h("dt", {}, "Created"),
      h("dd", {}, when(operator.createdAt)),
      h("dt", {}, "Last login"),
      h("dd", {}, when(operator.lastLoginAt, "Never")),
      h("dt", {}, "Lock"),
      h("dd", {}, operator.lockedUntil ? ["Locked until ", timeElement(operator.lockedUntil)] : "Not locked"),
      h("dt", {}, "Two-factor policy"),
      h("dd", {}, policyWords(policy, { self: false })),
      h("dt", {}, "Compliance"),
      h("dd", {}, complianceBadge(policy.compliance)),
      policy.setupDeadline && h("dt", {}, "Grace period ends"),
      policy.setupDeadline && h("dd", {}, timeElement(policy.setupDeadline)),
      h("dt", {}, "Authenticator"),
      h("dd", {}, STATES[policy.state]),
      operator.twoFactorConfiguredAt && h("dt", {}, "Set up on"),
      operator.twoFactorConfiguredAt && h("dd", {}, when(operator.twoFactorConfiguredAt)),
      h("dt", {}, "Recovery codes left"),
      h("dd", {}, String(operator.recoveryCodesRemaining)),
    ),
    operator.status === "INVITED" && invitationSection(operator, reload),
    lockSection(operator, reload),
    roleSection(operator, self, reload),
    accessSection(operator, self, reload),
    h("h2", {}, "Override two-factor authentication settings"),
    operator.usesSingleSignOn && h("p", { class: "hint" }, "This operator signs in with single sign-on, so no code is ever asked, whatever is set here."),
    overrideForm,
    // For an operator who lost their phone or security key, a temporary access pass comes
    // first: it lets them in once to set up a new factor, and removes nothing. Never for
    // oneself, and only for someone who can log in.
    !self && operator.status === "ACTIVE" && !operator.usesSingleSignOn && [
      h("h2", {}, "Lost their phone or security key?"),
      h(
        "p",
        {},
        `Try a temporary access pass before a reset: ${operator.name} types it instead of a code, once, and can then set up a new authenticator (it replaces the lost one) or add a passkey. Issuing it removes nothing, and it stops working when it expires.`,
      ),
      temporaryAccessPassForm(operator),
    ],
    h("h2", {}, "Reset two-factor authentication"),
    h(
      "p",
      {},
      `Removes ${operator.name}'s authenticator, passkeys, unfinished setup and recovery codes, and logs them out everywhere.`,
      policy.mode === "REQUIRED" ? " At their next login they get an email to set it up again." : "",
    ),
    resetArea,
    await sessionsSection({ operatorId: operator.id, self, name: operator.name }),
    await trustedDevicesSection({ operatorId: operator.id, self, name: operator.name }),
  );
}


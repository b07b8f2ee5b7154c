// The signed-in operator's own settings: their two-factor status and where it comes
// from, setup, turning it off (only under OPTIONAL), new recovery codes, their password,
// their sessions and log out.

import { graphql, mutate, POLICY, session, USER_ERRORS } from "../api.js";
import { codeField, form, h, heading, policyWords, STATES } from "../forms.js";
import { navigate } from "../router.js";
import { passkeysSection, quoted } from "./passkeys.js";
import { changePasswordSection } from "./password.js";
import { sessionsSection } from "./sessions.js";
import { recoveryCodes } from "./setup.js";
import { trustedDevicesSection } from "./trusted-devices.js";

// The current session's methods tell whether it came from a temporary access pass.
const VIEWER = `query Settings {
  viewer {
    id name email recoveryCodesRemaining twoFactorConfiguredAt account { name } ${POLICY}
    sessions(first: 100) { edges { node { current createdAt authenticationMethods } } }
  }
}`;

const DISABLE = `mutation Disable($code: String!) {
  disableTwoFactor(input: { code: $code }) { ${USER_ERRORS} }
}`;

const LOGOUT = `mutation Logout { logout { ${USER_ERRORS} } }`;

const REGENERATE = `mutation Regenerate($code: String!) {
  regenerateRecoveryCodes(input: { code: $code }) { recoveryCodes ${USER_ERRORS} }
}`;

export async function settingsPage() {
  const { viewer } = await graphql(VIEWER);
  const policy = viewer.effectiveTwoFactorPolicy;
  const configured = policy.state === "CONFIGURED";
  const current = viewer.sessions.edges.find((edge) => edge.node.current)?.node;
  const byPass = current?.authenticationMethods.includes("TEMPORARY_ACCESS_PASS") ?? false;
  // What was set up during this session is the new phone, not the lost one.
  const setUpSince = Boolean(current && viewer.twoFactorConfiguredAt && new Date(viewer.twoFactorConfiguredAt) > new Date(current.createdAt));
  const page = h("section", { class: "narrow" });
  const sections = [
    heading("Your settings"),
    h("p", {}, `${viewer.name} · ${viewer.email} · ${viewer.account.name}`),
    h("h2", {}, "Two-factor authentication"),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Policy"),
      h("dd", {}, policyWords(policy)),
      h("dt", {}, "Your authenticator"),
      h("dd", {}, STATES[policy.state]),
      configured && h("dt", {}, "Recovery codes left"),
      configured && h("dd", {}, String(viewer.recoveryCodesRemaining)),
    ),
    // A required operator sets up only through the emailed link (proof of their mailbox):
    // starting from this session would be refused, so there is no button then.
    policy.setupRequired &&
      h(
        "p",
        { class: "problem" },
        "You must set up two-factor authentication. Use the link we emailed you when you logged in; logging in again sends a new one.",
      ),
    configured && policy.mode === "DISABLED" && h("p", {}, "Your authenticator is kept, but no code is asked at login."),
    // Logged in with a temporary access pass (a lost phone): a new authenticator replaces
    // the old one and its recovery codes, with no emailed link needed.
    byPass &&
      configured &&
      !setUpSince &&
      h(
        "div",
        { class: "problem" },
        h("p", {}, "You logged in with a temporary access pass. Set up your new phone now: it replaces your old authenticator and recovery codes. Or add a passkey below."),
        h("p", {}, h("a", { class: "button primary", href: "#/setup" }, "Set up a new authenticator")),
      ),
    policy.canEnroll &&
      (!policy.setupRequired || byPass) &&
      h(
        "p",
        {},
        h("a", { class: "button primary", href: "#/setup" }, policy.state === "PENDING" ? "Scan QR code" : "Set up two-factor authentication"),
      ),
  ];

  if (configured) {
    sections.push(
      h(
        "details",
        {},
        h("summary", {}, "Get new recovery codes"),
        h("p", {}, "Your old recovery codes stop working."),
        form(
          {
            submitLabel: "Get new codes",
            submit: async ({ code }) => {
              const result = await mutate(REGENERATE, { code });
              if (result.recoveryCodes) {
                page.replaceChildren(...recoveryCodes(result.recoveryCodes, () => navigate("/settings")));
                page.querySelector("h1").focus();
              }
              return result.userErrors;
            },
          },
          codeField({ label: "Current code", recovery: true }),
        ),
      ),
    );
  }
  if (configured && policy.mode === "OPTIONAL") {
    sections.push(
      h(
        "details",
        {},
        h("summary", {}, "Turn off two-factor authentication"),
        h("p", {}, "Your authenticator, passkeys and recovery codes are removed; login then asks only for your password."),
        form(
          {
            submitLabel: "Turn off",
            submit: async ({ code }) => {
              const result = await mutate(DISABLE, { code });
              if (!result.userErrors.length) navigate("/settings", "Two-factor authentication is off.");
              return result.userErrors;
            },
          },
          codeField({ label: "Current code", recovery: true }),
        ),
      ),
    );
  }
  // A passkey may come besides an authenticator, or instead of one; an operator who must set
  // up two-factor authentication does it from the emailed link (its setup page offers
  // passkeys too), and single sign-on or a disabled policy asks for no second factor.
  const canAdd = policy.source !== "SINGLE_SIGN_ON" && policy.mode !== "DISABLED" && (!policy.setupRequired || byPass);
  sections.push(
    await passkeysSection({
      canAdd,
      added: ({ passkey, recoveryCodes: codes }) => {
        const notice = `The passkey ${quoted(passkey.name)} is added.`;
        if (!codes) return navigate("/settings", notice);
        page.replaceChildren(...recoveryCodes(codes, () => navigate("/settings", notice)));
        page.querySelector("h1").focus();
      },
    }),
  );
  sections.push(
    h("h2", {}, "Password"),
    changePasswordSection(),
    await sessionsSection({
      operatorId: viewer.id,
      self: true,
      name: viewer.name,
      actions: [h("button", { type: "button", onclick: logout }, "Log out")],
    }),
    await trustedDevicesSection({ operatorId: viewer.id, self: true, name: viewer.name }),
  );
  page.append(...sections.filter(Boolean));
  return page;
}

/** End the session on the server (it cannot fail) and forget the token. */
export async function logout() {
  try {
    await mutate(LOGOUT);
  } catch {
    // An expired session is logged out already.
  }
  session.clear();
  navigate("/login", "You are logged out.");
}

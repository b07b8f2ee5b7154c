// Administrator pages: the account default and its grace period, the operators (list,
// search, status filter, invite, pending invitations sent again or withdrawn; one
// operator's role, lock, deactivation, override, reset and sessions). The audit log, API
// keys and webhooks have pages of their own.
// The API answers FORBIDDEN to other roles.

import { actionArea, askFirst } from "../actions.js";
import { graphql, mutate, operatorMutation, POLICY, session, USER_ERRORS } from "../api.js";
import { timeElement } from "../format.js";
import {
  announce,
  field,
  form,
  h,
  heading,
  MODES,
  modeRadios,
  plural,
  policyWords,
  safely,
  STATES,
  uid,
} from "../forms.js";
import { navigate } from "../router.js";
import { sessionsSection } from "./sessions.js";

const PAGE_SIZE = 20;

// ---- Account settings ------------------------------------------------------------

const ACCOUNT = `query Account {
  viewer { account { name twoFactorDefault twoFactorGracePeriodHours twoFactorSummary { totalOperators setupRequired } } }
}`;

const SET_DEFAULT = `mutation SetDefault($mode: TwoFactorMode!, $gracePeriodHours: Int) {
  setAccountTwoFactorDefault(input: { mode: $mode, gracePeriodHours: $gracePeriodHours }) {
    account { twoFactorDefault twoFactorGracePeriodHours }
    ${USER_ERRORS}
  }
}`;

export async function accountPage() {
  const { account } = (await graphql(ACCOUNT)).viewer;
  const summary = account.twoFactorSummary;
  return h(
    "section",
    { class: "narrow" },
    heading("Account settings"),
    h("p", {}, `${account.name} has ${plural(summary.totalOperators, "operator")}; ${summary.setupRequired} still to set up two-factor authentication.`),
    form(
      {
        submitLabel: "Save",
        submit: async ({ mode, gracePeriodHours }) => {
          const result = await mutate(SET_DEFAULT, { mode, gracePeriodHours: Number(gracePeriodHours) });
          if (result.account) {
            const { twoFactorGracePeriodHours: hours } = result.account;
            const grace = mode === "REQUIRED" && hours > 0 ? `, with a grace period of ${plural(hours, "hour")}` : "";
            navigate("/account", `Saved: two-factor authentication is ${MODES[mode].label.toLowerCase()} by default${grace}.`);
          }
          return result.userErrors;
        },
      },
      modeRadios({ legend: "Two-factor authentication for operators without an override", checked: account.twoFactorDefault }),
      field({
        label: "Grace period (hours)",
        name: "gracePeriodHours",
        type: "number",
        hint: "When two-factor authentication becomes required for operators who have not set it up, they may still log in with their password for this long (0 to 720 hours; 0: none). Each such login emails them a setup link.",
        min: 0,
        max: 720,
        step: 1,
        inputMode: "numeric",
        required: true,
        value: String(account.twoFactorGracePeriodHours),
      }),
    ),
  );
}

// ---- Operators -------------------------------------------------------------------

const OPERATORS = `query Operators($first: Int, $after: String, $last: Int, $before: String, $filter: OperatorFilter) {
  viewer { account { operators(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { id name email role status lockedUntil ${POLICY} } }
  } } }
}`;

// Open invitations: a few at most in practice, so one page of 100.
const INVITATIONS = `query Invitations {
  viewer { account { operators(first: 100, filter: { status: INVITED }) {
    edges { node { id name email invitedAt invitedBy { name } invitationExpiresAt } }
  } } }
}`;

const STATUSES = { "": "Any status", ACTIVE: "Active", INVITED: "Invited", DEACTIVATED: "Deactivated" };

const INVITE = `mutation Invite($email: String!, $name: String!, $role: OperatorRole!, $usesSingleSignOn: Boolean!) {
  inviteOperator(input: { email: $email, name: $name, role: $role, usesSingleSignOn: $usesSingleSignOn }) {
    operator { email }
    ${USER_ERRORS}
  }
}`;

export async function operatorsPage() {
  let needsSetupOnly = false;
  let search = "";
  let status = "";
  const list = h("div", {});
  const invitations = h("div", {});
  const refresh = async () => {
    await Promise.all([load(), loadInvitations()]);
  };
  const loadInvitations = async () => {
    const { operators } = (await graphql(INVITATIONS)).viewer.account;
    invitations.replaceChildren(...pendingInvitations(operators, refresh));
  };

  // Relay paging: Next asks for the `first` after the page's end, Previous for the `last` before its start.
  let latest = 0;
  const load = async (window = { first: PAGE_SIZE }) => {
    const ticket = ++latest;
    const filter = { ...(needsSetupOnly && { setupRequired: true }), ...(search && { search }), ...(status && { status }) };
    const { operators } = (await graphql(OPERATORS, { ...window, filter })).viewer.account;
    if (ticket !== latest) return; // a newer list was asked for meanwhile
    const { pageInfo } = operators;
    const turn = (next) => safely(async () => {
      await load(next);
      list.querySelector(".count").focus();
    });
    list.replaceChildren(
      h(
        "p",
        { class: "count", tabIndex: -1 },
        `${plural(operators.totalCount, status ? `${STATUSES[status].toLowerCase()} operator` : "operator")}${needsSetupOnly ? " still to set up two-factor authentication" : ""}${search ? ` matching “${search}”` : ""}.`,
      ),
      operators.edges.length ? operatorTable(operators.edges.map((edge) => edge.node)) : null,
      h(
        "div",
        { class: "actions pager" },
        h("button", { type: "button", disabled: !pageInfo.hasPreviousPage, onclick: turn({ last: PAGE_SIZE, before: pageInfo.startCursor }) }, "Previous"),
        h("button", { type: "button", disabled: !pageInfo.hasNextPage, onclick: turn({ first: PAGE_SIZE, after: pageInfo.endCursor }) }, "Next"),
      ),
    );
  };

  const needsSetup = h("input", {
    type: "checkbox",
    id: "needs-setup",
    onchange: safely(async () => {
      needsSetupOnly = needsSetup.checked;
      await load();
    }),
  });

  // Typing asks the API (a prefix search on indexed columns) after a short pause, which
  // saves requests while typing; an answer to older text is never shown (see load).
  let typing = null;
  const searchBox = h("input", {
    type: "search",
    id: "operator-search",
    autocomplete: "off",
    "aria-describedby": "operator-search-hint",
    oninput: () => {
      clearTimeout(typing);
      typing = setTimeout(
        safely(async () => {
          search = searchBox.value.trim();
          await load();
        }),
        200,
      );
    },
  });

  const statusSelect = h(
    "select",
    {
      id: "operator-status",
      onchange: safely(async () => {
        status = statusSelect.value;
        await load();
      }),
    },
    Object.entries(STATUSES).map(([value, label]) => h("option", { value }, label)),
  );

  await refresh();
  return h(
    "section",
    {},
    heading("Operators"),
    h(
      "div",
      { class: "toolbar" },
      h(
        "div",
        { class: "field grow" },
        h("label", { for: "operator-search" }, "Search"),
        h("p", { class: "hint", id: "operator-search-hint" }, "The beginning of an email address or a name."),
        searchBox,
      ),
      h("div", { class: "field" }, h("label", { for: "operator-status" }, "Status"), statusSelect),
    ),
    h("div", { class: "choice" }, needsSetup, h("label", { for: "needs-setup" }, "Needs setup: only operators who still have to set up two-factor authentication")),
    list,
    invitations,
    h("h2", {}, "Invite an operator"),
    form(
      {
        submitLabel: "Send invitation",
        submit: async ({ email, name, role, usesSingleSignOn }, formElement) => {
          const result = await mutate(INVITE, { email, name, role, usesSingleSignOn: usesSingleSignOn === "on" });
          if (result.operator) {
            formElement.reset();
            announce(`Invitation sent to ${result.operator.email}.`);
            await refresh();
          }
          return result.userErrors;
        },
      },
      field({ label: "Email", name: "email", type: "email", autocomplete: "off", required: true }),
      field({ label: "Name", name: "name", autocomplete: "off", required: true }),
      h(
        "div",
        { class: "field" },
        h("label", { for: "invite-role" }, "Role"),
        h("select", { id: "invite-role", name: "role" }, h("option", { value: "BASIC" }, "Basic"), h("option", { value: "ADMINISTRATOR" }, "Administrator")),
      ),
      h(
        "div",
        { class: "choice" },
        h("input", { type: "checkbox", id: "invite-sso", name: "usesSingleSignOn", "aria-describedby": "invite-sso-help" }),
        h("label", { for: "invite-sso" }, "Signs in with single sign-on"),
        h("p", { class: "hint", id: "invite-sso-help" }, "Through your organisation's identity provider: they get no password here, and two-factor settings do not apply to them."),
      ),
    ),
  );
}

function operatorTable(operators) {
  const cell = (label, ...content) => h("td", { "data-label": label }, ...content);
  return h(
    "table",
    { class: "operators", "aria-label": "Operators" },
    h("thead", {}, h("tr", {}, ["Name", "Email", "Role", "Status", "Two-factor"].map((title) => h("th", { scope: "col" }, title)))),
    h(
      "tbody",
      {},
      operators.map((operator) => {
        const policy = operator.effectiveTwoFactorPolicy;
        return h(
          "tr",
          {},
          cell("Name", h("a", { href: `#/operators/${encodeURIComponent(operator.id)}` }, operator.name)),
          cell("Email", operator.email),
          cell("Role", words(operator.role)),
          cell("Status", words(operator.status), operator.lockedUntil && h("span", { class: "badge" }, "Locked")),
          cell(
            "Two-factor",
            `${policyWords(policy, { self: false })}; ${STATES[policy.state]}`,
            policy.setupRequired && h("span", { class: "badge" }, "Needs setup"),
          ),
        );
      }),
    ),
  );
}

/**
 * "Pending invitations": who was invited, when, by whom and until when the link works, with
 * a new link or withdrawal (after confirming) for each. `refresh` reloads the whole page's lists.
 */
function pendingInvitations(connection, refresh) {
  const titleId = "pending-invitations"; // one per page, and the same after each refresh
  const heading2 = h("h2", { id: titleId, tabIndex: -1 }, "Pending invitations");
  const invited = connection.edges.map((edge) => edge.node);
  if (!invited.length) return [heading2, h("p", {}, "No invitations are waiting to be accepted.")];
  const cell = (label, ...content) => h("td", { "data-label": label }, ...content);
  // After an action the row's buttons are gone: the focus goes to the section's heading.
  const done = async (notice) => {
    await refresh();
    document.getElementById(titleId)?.focus();
    announce(notice);
  };
  const row = (operator) => {
    const nameId = uid("invited");
    const area = actionArea();
    const resend = safely(async () => {
      const result = await area.run(() => mutate(RESEND, { operatorId: operator.id }));
      if (result) await done(`A new invitation link was sent to ${result.operator.email}; the earlier one no longer works.`);
    });
    const withdraw = async () => {
      const result = await area.run(() => mutate(REVOKE, { operatorId: operator.id }));
      if (result) await done(`The invitation of ${operator.email} was withdrawn.`);
      else showButtons();
    };
    function showButtons() {
      area.buttons.replaceChildren(
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", "aria-describedby": nameId, onclick: resend }, "Send a new link"),
          h(
            "button",
            {
              type: "button",
              "aria-describedby": nameId,
              onclick: () =>
                askFirst(area, {
                  label: "Confirm withdrawal",
                  question: `Withdraw the invitation of ${operator.name}?`,
                  yes: "Yes, withdraw",
                  action: withdraw,
                  restore: showButtons,
                }),
            },
            "Withdraw",
          ),
        ),
      );
    }
    showButtons();
    return h(
      "tr",
      {},
      cell("Name", h("span", { id: nameId }, operator.name)),
      cell("Email", operator.email),
      cell("Invited", timeElement(operator.invitedAt), operator.invitedBy && ` by ${operator.invitedBy.name}`),
      cell("Link works until", operator.invitationExpiresAt ? timeElement(operator.invitationExpiresAt) : "Expired"),
      cell("Actions", area.element),
    );
  };
  return [
    heading2,
    h(
      "table",
      { class: "invitations", "aria-labelledby": titleId },
      h("thead", {}, h("tr", {}, ["Name", "Email", "Invited", "Link works until", "Actions"].map((title) => h("th", { scope: "col" }, title)))),
      h("tbody", {}, invited.map(row)),
    ),
  ];
}

// ---- One operator ----------------------------------------------------------------

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
const RESEND = operatorMutation("resendInvitation", "operator { email }");
const REVOKE = operatorMutation("revokeInvitation", "revokedOperatorId");
const CHANGE_ROLE = operatorMutation(
  "changeOperatorRole", "operator { role }", ", $role: OperatorRole!", ", role: $role",
);
const DEACTIVATE = operatorMutation("deactivateOperator", "operator { status }");
const REACTIVATE = operatorMutation("reactivateOperator", "operator { status }");
const UNLOCK = operatorMutation("unlockOperator", "operator { lockedUntil }");

/** Role: Administrator or Basic. Demoting yourself leaves the administrator pages. */
function roleSection(operator, self, reload) {
  const select = h(
    "select",
    { id: "operator-role", name: "role", "aria-describedby": "operator-role-hint" },
    Object.entries(ROLES).map(([value, label]) => h("option", { value, selected: value === operator.role }, label)),
  );
  return [
    h("h2", {}, "Role"),
    form(
      {
        submitLabel: "Change role",
        submit: async ({ role }) => {
          const result = await mutate(CHANGE_ROLE, { operatorId: operator.id, role });
          if (!result.operator) return result.userErrors;
          const notice = `Saved: ${self ? "you are" : `${operator.name} is`} ${role === "ADMINISTRATOR" ? "an administrator" : "a basic operator"}.`;
          if (self && role !== "ADMINISTRATOR") navigate("/settings", `${notice} You no longer have access to the administrator pages.`);
          else reload(notice);
          return [];
        },
      },
      h(
        "div",
        { class: "field" },
        h("label", { for: "operator-role" }, "Role"),
        h("p", { class: "hint", id: "operator-role-hint" }, "Administrators manage the account's policy and operators; basic operators manage only their own two-factor settings."),
        select,
      ),
    ),
  ];
}

/** Lock state from failed attempts, and lifting it. */
function lockSection(operator, reload) {
  if (!operator.lockedUntil) return null;
  const area = actionArea();
  area.buttons.append(
    h(
      "button",
      {
        type: "button",
        onclick: safely(async () => {
          if (await area.run(() => mutate(UNLOCK, { operatorId: operator.id }))) reload(`${operator.name} is unlocked and may try again.`);
        }),
      },
      "Unlock",
    ),
  );
  return [
    h("h2", {}, "Locked after failed attempts"),
    h(
      "p",
      {},
      `Repeated wrong passwords or codes locked ${operator.name} out until `,
      timeElement(operator.lockedUntil),
      ". Unlocking lets them try again now and forgets their failed attempts.",
    ),
    area.element,
  ];
}

/** Deactivate an active operator (after confirming), reactivate a deactivated one. */
function accessSection(operator, self, reload) {
  const area = actionArea();
  if (operator.status === "DEACTIVATED") {
    area.buttons.append(
      h(
        "button",
        {
          type: "button",
          onclick: safely(async () => {
            if (await area.run(() => mutate(REACTIVATE, { operatorId: operator.id }))) reload(`${operator.name} is active again and can log in.`);
          }),
        },
        "Reactivate",
      ),
    );
    return [
      h("h2", {}, "Access"),
      h("p", {}, `${operator.name} is deactivated and cannot log in. Reactivating lets them log in again with their password, their two-factor setup as they left it.`),
      area.element,
    ];
  }
  if (operator.status !== "ACTIVE") return null; // an invitation is withdrawn instead
  const deactivate = async () => {
    const result = await area.run(() => mutate(DEACTIVATE, { operatorId: operator.id }));
    if (!result) {
      showButton();
      area.buttons.querySelector("button").focus();
      return;
    }
    if (self) {
      // Deactivating yourself ends your own session too.
      session.clear();
      navigate("/login", "You deactivated yourself and were logged out.");
    } else reload(`${operator.name} is deactivated: they were logged out and cannot log in.`);
  };
  function showButton() {
    area.buttons.replaceChildren(
      h(
        "button",
        {
          type: "button",
          onclick: () =>
            askFirst(area, {
              label: "Confirm deactivation",
              question: self ? "Deactivate yourself? You will be logged out at once." : `Deactivate ${operator.name}?`,
              yes: "Yes, deactivate",
              action: deactivate,
              restore: () => {
                showButton();
                area.buttons.querySelector("button").focus();
              },
            }),
        },
        "Deactivate",
      ),
    );
  }
  showButton();
  return [
    h("h2", {}, "Access"),
    h("p", {}, `Deactivating logs ${self ? "you" : operator.name} out everywhere and stops ${self ? "you" : "them"} from logging in; the history and two-factor setup are kept, and reactivating undoes it.`),
    area.element,
  ];
}

/** An open invitation: when and by whom it was sent, a new link, or withdrawing it. */
function invitationSection(operator, reload) {
  const area = h("div", {});
  const resend = safely(async () => {
    const result = await mutate(RESEND, { operatorId: operator.id });
    if (result.userErrors.length) announce(result.userErrors[0].message, "error");
    else reload(`A new invitation link was sent to ${result.operator.email}; the earlier one no longer works.`);
  });
  const askRevoke = () => {
    const cancel = h("button", { type: "button", onclick: showButtons }, "Cancel");
    area.replaceChildren(
      h(
        "div",
        { class: "confirm", role: "group", "aria-label": "Confirm withdrawal" },
        h("p", {}, h("strong", {}, `Withdraw the invitation of ${operator.name}?`)),
        h(
          "div",
          { class: "actions" },
          h(
            "button",
            {
              type: "button",
              class: "danger",
              onclick: safely(async () => {
                const result = await mutate(REVOKE, { operatorId: operator.id });
                if (result.userErrors.length) announce(result.userErrors[0].message, "error");
                else navigate("/operators", `The invitation of ${operator.email} was withdrawn.`);
              }),
            },
            "Yes, withdraw",
          ),
          cancel,
        ),
      ),
    );
    cancel.focus();
  };
  function showButtons() {
    area.replaceChildren(
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", onclick: resend }, "Send a new link"),
        h("button", { type: "button", onclick: askRevoke }, "Withdraw invitation"),
      ),
    );
  }
  showButtons();
  return [
    h("h2", {}, "Invitation"),
    h(
      "p",
      {},
      "Sent ",
      timeElement(operator.invitedAt),
      operator.invitedBy ? ` by ${operator.invitedBy.name}` : "",
      ". ",
      operator.invitationExpiresAt
        ? ["The link works until ", timeElement(operator.invitationExpiresAt), "."]
        : "The link has expired.",
    ),
    h("p", {}, "Withdrawing deletes the invited operator; their link stops working."),
    area,
  ];
}

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
      h("dd", {}, policyWords(policy, { self: false }), policy.setupRequired && h("span", { class: "badge" }, "Needs setup")),
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
    h("h2", {}, "Reset two-factor authentication"),
    h(
      "p",
      {},
      `Removes ${operator.name}'s authenticator, unfinished setup and recovery codes, and logs them out everywhere.`,
      policy.mode === "REQUIRED" ? " At their next login they get an email to set it up again." : "",
    ),
    resetArea,
    await sessionsSection({ operatorId: operator.id, self, name: operator.name }),
  );
}

// ---- Words -----------------------------------------------------------------------

const words = (value) => value.charAt(0) + value.slice(1).toLowerCase();

const ROLES = { ADMINISTRATOR: "Administrator", BASIC: "Basic" };

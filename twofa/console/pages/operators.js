// The operators list: search, status, compliance and needs-setup filters, paging, the
// invitation form, and the pending invitations (sent again or withdrawn). Each operator's
// own page is operator.js. The API answers FORBIDDEN to roles other than administrator.

import { actionArea, askFirst } from "../actions.js";
import { graphql, mutate, operatorMutation, POLICY, USER_ERRORS } from "../api.js";
import { COMPLIANCE, complianceBadge } from "../compliance.js";
import { timeElement } from "../format.js";
import { announce, field, form, h, heading, plural, policyWords, safely, STATES, uid } from "../forms.js";

const PAGE_SIZE = 20;

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
  let compliance = "";
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
    const filter = {
      ...(needsSetupOnly && { setupRequired: true }),
      ...(search && { search }),
      ...(status && { status }),
      ...(compliance && { compliance: [compliance] }),
    };
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
        [
          plural(operators.totalCount, status ? `${STATUSES[status].toLowerCase()} operator` : "operator"),
          compliance && ` ${COMPLIANCE[compliance].operators}`,
          needsSetupOnly && " still to set up two-factor authentication",
          search && ` matching “${search}”`,
          ".",
        ].filter(Boolean).join(""),
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

  const complianceSelect = h(
    "select",
    {
      id: "operator-compliance",
      onchange: safely(async () => {
        compliance = complianceSelect.value;
        await load();
      }),
    },
    h("option", { value: "" }, "Any compliance"),
    Object.entries(COMPLIANCE).map(([value, { label }]) => h("option", { value }, label)),
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
      h("div", { class: "field" }, h("label", { for: "operator-compliance" }, "Compliance"), complianceSelect),
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
    h("thead", {}, h("tr", {}, ["Name", "Email", "Role", "Status", "Two-factor", "Compliance"].map((title) => h("th", { scope: "col" }, title)))),
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
          cell("Two-factor", `${policyWords(policy, { self: false })}; ${STATES[policy.state]}`),
          cell("Compliance", complianceBadge(policy.compliance), policy.setupDeadline && [" until ", timeElement(policy.setupDeadline)]),
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


export const RESEND = operatorMutation("resendInvitation", "operator { email }");
export const REVOKE = operatorMutation("revokeInvitation", "revokedOperatorId");

// ---- Words -----------------------------------------------------------------------

export const words = (value) => value.charAt(0) + value.slice(1).toLowerCase();

export const ROLES = { ADMINISTRATOR: "Administrator", BASIC: "Basic" };

// The operators list: search, status, compliance and needs-setup filters, paging, the
// invitation form, and the pending invitations (invitations.js). Each operator's own page
// is operator.js. The API answers FORBIDDEN to roles other than administrator.

import { graphql, mutate, POLICY, USER_ERRORS } from "../api.js";
import { COMPLIANCE, complianceBadge } from "../compliance.js";
import { timeElement } from "../format.js";
import { announce, field, form, h, heading, plural, policyWords, safely, STATES } from "../forms.js";
import { pendingInvitations } from "./invitations.js";

const PAGE_SIZE = 20;

const OPERATORS = `query Operators($first: Int, $after: String, $last: Int, $before: String, $filter: OperatorFilter) {
  viewer { account { operators(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { id name email role status lockedUntil ${POLICY} } }
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
    invitations.replaceChildren(...(await pendingInvitations(refresh)));
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

// ---- Words -----------------------------------------------------------------------

export const words = (value) => value.charAt(0) + value.slice(1).toLowerCase();

export const ROLES = { ADMINISTRATOR: "Administrator", BASIC: "Basic" };

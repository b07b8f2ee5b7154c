// The pending invitations below the operators list: who was invited, when, by whom and
// until when the link works, each sent again or withdrawn (after confirming). One
// invitation's own page (operator-access.js) uses the same mutations.

import { actionArea, askFirst } from "../actions.js";
import { graphql, mutate, operatorMutation } from "../api.js";
import { timeElement } from "../format.js";
import { announce, h, safely, uid } from "../forms.js";

export const RESEND = operatorMutation("resendInvitation", "operator { email }");
export const REVOKE = operatorMutation("revokeInvitation", "revokedOperatorId");

// Open invitations: a few at most in practice, so one page of 100.
const INVITATIONS = `query Invitations {
  viewer { account { operators(first: 100, filter: { status: INVITED }) {
    edges { node { id name email invitedAt invitedBy { name } invitationExpiresAt } }
  } } }
}`;

/**
 * "Pending invitations": its heading and table as they are now, with a new link or
 * withdrawal (after confirming) for each. `refresh` reloads the whole page's lists.
 */
export async function pendingInvitations(refresh) {
  const { operators } = (await graphql(INVITATIONS)).viewer.account;
  return invitationTable(operators, refresh);
}

function invitationTable(connection, refresh) {
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


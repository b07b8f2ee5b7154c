// Sections of one operator's page that change who they are and whether they get in: role,
// the lock after failed attempts, deactivation, and an open invitation.

import { actionArea, askFirst } from "../actions.js";
import { mutate, operatorMutation, session } from "../api.js";
import { timeElement } from "../format.js";
import { announce, form, h, safely } from "../forms.js";
import { navigate } from "../router.js";
import { RESEND, REVOKE } from "./invitations.js";
import { ROLES } from "./operators.js";

const CHANGE_ROLE = operatorMutation(
  "changeOperatorRole", "operator { role }", ", $role: OperatorRole!", ", role: $role",
);
const DEACTIVATE = operatorMutation("deactivateOperator", "operator { status }");
const REACTIVATE = operatorMutation("reactivateOperator", "operator { status }");
const UNLOCK = operatorMutation("unlockOperator", "operator { lockedUntil }");

/** Role: Administrator or Basic. Demoting yourself leaves the administrator pages. */
export function roleSection(operator, self, reload) {
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
export function lockSection(operator, reload) {
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
export function accessSection(operator, self, reload) {
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
export function invitationSection(operator, reload) {
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


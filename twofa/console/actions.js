// Buttons that change something, outside a form: where their refusals are shown, and the
// confirmation asked before a destructive one (deactivate, withdraw, revoke, delete).

import { announce, errorMessage, h, safely } from "./forms.js";

/**
 * A place for buttons whose refusals (LAST_ADMINISTRATOR, NOT_FOUND, …) are shown right
 * below them: `run(mutation)` calls it and, when it answers userErrors, shows them there and
 * announces the first; otherwise it returns the payload.
 */
export function actionArea() {
  const buttons = h("div", {});
  const problem = h("div", { class: "form-error", hidden: true });
  const element = h("div", {}, buttons, problem);
  const show = (errors) => {
    problem.replaceChildren(...errors.map((error) => h("span", { "data-code": error.code }, errorMessage(error), " ")));
    problem.hidden = errors.length === 0;
    if (errors.length) announce(errorMessage(errors[0]), "error", { shownNearby: true });
  };
  const run = async (call) => {
    show([]);
    const result = await call();
    if (result.userErrors.length) {
      show(result.userErrors);
      return null;
    }
    return result;
  };
  return { element, buttons, run };
}

/**
 * Ask before a destructive action: `area.buttons` shows `question` with `yes` (which runs
 * `action`) and Cancel (which runs `restore`, putting the original button back).
 */
export function askFirst(area, { label, question, yes, action, restore }) {
  const cancel = h("button", { type: "button", onclick: restore }, "Cancel");
  area.buttons.replaceChildren(
    h(
      "div",
      { class: "confirm", role: "group", "aria-label": label },
      h("p", {}, h("strong", {}, question)),
      h("div", { class: "actions" }, h("button", { type: "button", class: "danger", onclick: safely(action) }, yes), cancel),
    ),
  );
  cancel.focus();
}

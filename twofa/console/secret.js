// A secret the server shows once (an API key, a webhook signing secret): the value in a
// read-only field, a Copy button, and plain words that it will not be shown again.
//
// Copy uses the clipboard API. Where that is refused (no permission, an insecure origin,
// an older browser) the secret is selected in its field instead, and the page says to
// copy it with the keyboard: the value is always on screen, so nothing depends on Copy.

import { announce, h, uid } from "./forms.js";

/**
 * The panel: `title` (an h2 that receives the focus), the `secret`, `note` (what it is
 * for, why it is shown only now) and a `done` button labelled `doneLabel` that closes it.
 */
export function shownOnce({ title, label, secret, note, doneLabel = "Done", done }) {
  const titleId = uid("secret-title");
  const inputId = uid("secret");
  const input = h("input", {
    id: inputId,
    type: "text",
    class: "secret-value",
    value: secret,
    readOnly: true,
    spellcheck: false,
    autocomplete: "off",
    "aria-describedby": `${inputId}-note`,
    onfocus: () => input.select(),
  });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      announce(`${label} copied.`);
    } catch {
      input.focus();
      input.select();
      announce(`Copying did not work here. The ${label.toLowerCase()} is selected: press Ctrl+C (or ⌘C) to copy it.`, "error");
    }
  };
  const panel = h(
    "div",
    { class: "shown-once", role: "group", "aria-labelledby": titleId },
    h("h2", { id: titleId, tabIndex: -1 }, title),
    h("div", { class: "field" }, h("label", { for: inputId }, label), input),
    h(
      "p",
      { id: `${inputId}-note` },
      h("strong", {}, "Copy it now: you won't see it again."),
      " ",
      note,
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "primary", onclick: copy }, "Copy"),
      h("button", { type: "button", onclick: done }, doneLabel),
    ),
  );
  return panel;
}

/** Show `panel` in `slot` (replacing what is there) and move the focus to its title. */
export function reveal(slot, panel) {
  slot.replaceChildren(panel);
  panel.querySelector("h2").focus();
}

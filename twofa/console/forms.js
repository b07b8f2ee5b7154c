// Shared helpers: building elements, forms whose errors appear next to their fields,
// the status region, and the words used for modes, states and sources.
//
// Pages build the DOM with h() rather than innerHTML, so text from the server is never
// parsed as HTML, and the strict Content-Security-Policy (no inline scripts or styles)
// holds: listeners are attached here, looks come from console.css classes.

import { ApiError } from "./api.js";
import { formatTime } from "./format.js";

/**
 * Create an element: h("button", { type: "button", onclick: f }, "Save").
 * Keys starting with "on" add listeners; `class`, `for`, `role`, aria-* and data-*
 * become attributes; other keys are set as properties (value, checked, hidden, …).
 * Children are nodes or strings; null, false and undefined are skipped.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (["class", "for", "role"].includes(key) || key.includes("-")) element.setAttribute(key, value);
    else element[key] = value;
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

let nextId = 0;
/** An id for an element, unique in the page: uid("code") → "code-7". */
export const uid = (prefix) => `${prefix}-${++nextId}`;

/**
 * A labelled input with an optional hint and a slot for its error.
 * `name` is the input's GraphQL argument name: an error whose `field` path ends
 * with it (["input", "code"] → "code") is shown in this field's slot.
 */
export function field({ label, name, hint, type = "text", ...attrs }) {
  const id = uid(name);
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = `${id}-error`;
  const input = h("input", { id, name, type, "aria-describedby": [hintId, errorId].filter(Boolean).join(" "), ...attrs });
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hint && h("p", { class: "hint", id: hintId }, hint),
    h("p", { class: "field-error", id: errorId, "data-error-for": name, hidden: true }),
    input,
  );
}

/**
 * Checkboxes sharing the `name` (a list argument, such as "scopes"), in a fieldset whose
 * legend names them. `options` are { value, label, hint }; read the checked values with
 * new FormData(form).getAll(name). An error whose `field` ends with `name` shows above them.
 */
export function checkboxes({ legend, name, options, checked = [], hint }) {
  const id = uid(name);
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = `${id}-error`;
  return h(
    "fieldset",
    { class: "field checkboxes", "aria-describedby": [hintId, errorId].filter(Boolean).join(" ") },
    h("legend", {}, legend),
    hint && h("p", { class: "hint", id: hintId }, hint),
    h("p", { class: "field-error", id: errorId, "data-error-for": name, hidden: true }),
    options.map((option) => {
      const optionId = uid(name);
      return h(
        "div",
        { class: "choice" },
        h("input", {
          type: "checkbox",
          id: optionId,
          name,
          value: option.value,
          checked: checked.includes(option.value),
          "aria-describedby": option.hint ? `${optionId}-hint` : undefined,
        }),
        h("label", { for: optionId }, option.label),
        option.hint && h("p", { class: "hint", id: `${optionId}-hint` }, option.hint),
      );
    }),
  );
}

/** A 6-digit code field; `recovery` also allows a recovery code (or what `hint` says). */
export function codeField({ label = "Authentication code", recovery = false, hint } = {}) {
  return field({
    label,
    name: "code",
    hint:
      hint ??
      (recovery
        ? "The 6-digit code from your authenticator app, or one of your recovery codes."
        : "The 6-digit code your authenticator app shows now."),
    autocomplete: "one-time-code",
    inputMode: recovery ? "text" : "numeric",
    required: true,
    ...(recovery ? {} : { pattern: "[0-9 ]*", maxLength: 7 }),
  });
}

/**
 * A form with one submit button. On submit it calls `submit(values, formElement)`,
 * `values` being the fields' values by name; further submits wait until it is done.
 * `submit` returns the payload's userErrors (or nothing), which are shown next to
 * their fields. A thrown ApiError (except UNAUTHENTICATED, which leaves the page)
 * is shown above the button.
 */
export function form({ submitLabel, submit }, ...children) {
  const button = h("button", { type: "submit", class: "primary" }, submitLabel);
  const general = h("div", { class: "form-error", hidden: true });
  const element = h("form", {}, ...children, general, h("div", { class: "actions" }, button));
  // aria-disabled rather than disabled: a disabled button would drop the keyboard focus.
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button.getAttribute("aria-disabled")) return;
    announce("");
    showErrors(element, []);
    button.setAttribute("aria-disabled", "true");
    try {
      const values = Object.fromEntries(new FormData(element));
      showErrors(element, (await submit(values, element)) ?? []);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code !== "UNAUTHENTICATED") showErrors(element, [error]);
    } finally {
      button.removeAttribute("aria-disabled");
    }
  });
  return element;
}

/**
 * Show `errors` in `formElement`: each next to the input its `field` names, the
 * others above the submit button. Focus moves to the first field in error and the
 * status region announces the first message. An empty list clears everything.
 */
export function showErrors(formElement, errors) {
  for (const slot of formElement.querySelectorAll(".field-error, .form-error")) {
    slot.replaceChildren();
    slot.hidden = true;
  }
  for (const input of formElement.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  let firstInput = null;
  for (const error of errors) {
    const name = error.field?.at(-1);
    const slot = (name && formElement.querySelector(`[data-error-for="${CSS.escape(name)}"]`)) ||
      formElement.querySelector(".form-error");
    slot.append(h("span", { "data-code": error.code }, errorMessage(error)), " ");
    slot.hidden = false;
    const input = slot.closest(".field")?.querySelector("input");
    if (input) {
      input.setAttribute("aria-invalid", "true");
      firstInput ??= input;
    }
  }
  if (errors.length) {
    firstInput?.focus();
    announce(errorMessage(errors[0]), "error", { shownNearby: true });
  }
}

/** Wrap an async click handler so that an ApiError is announced rather than thrown. */
export function safely(handler) {
  return async (event) => {
    try {
      await handler(event);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code !== "UNAUTHENTICATED") announce(error.message, "error");
    }
  };
}

/** The words for one error: the server's message, with lock-outs made concrete. */
export function errorMessage(error) {
  if (error.code === "TOO_MANY_ATTEMPTS" && error.lockedUntil) {
    return `Too many failed attempts. Try again after ${formatTime(error.lockedUntil)}.`;
  }
  return error.message;
}

/**
 * Say something in the status region ("error" shows it as an error). While a modal
 * dialog is open the page behind it is inert, so the dialog's own region speaks instead.
 *
 * `shownNearby`: the text is on the page already, next to what it is about (an error by
 * its field or button). The region then only speaks it, for screen readers, rather than
 * showing the same words a second time at the top of the page.
 */
export function announce(text, kind = "info", { shownNearby = false } = {}) {
  const status = document.querySelector("dialog[open] .status") ?? document.getElementById("status");
  status.textContent = text;
  status.dataset.kind = kind;
  status.classList.toggle("visually-hidden", shownNearby);
}

/** "1 session", "3 sessions". */
export const plural = (count, noun) => `${count} ${noun}${count === 1 ? "" : "s"}`;

/** A heading that receives focus when a page opens, so screen readers start there. */
export function heading(text) {
  return h("h1", { tabIndex: -1 }, text);
}

/** Radio buttons (name "mode") for Required / Optional / Disabled, each with its meaning. */
export function modeRadios({ legend, checked, disabled = false }) {
  return h(
    "fieldset",
    { class: "modes", disabled },
    h("legend", {}, legend),
    ...Object.entries(MODES).map(([mode, { label, help }]) => {
      const id = uid("mode");
      return h(
        "div",
        { class: "choice" },
        h("input", { type: "radio", id, name: "mode", value: mode, checked: mode === checked, "aria-describedby": `${id}-help` }),
        h("label", { for: id }, label),
        h("p", { class: "hint", id: `${id}-help` }, help),
      );
    }),
  );
}

export const MODES = {
  REQUIRED: { label: "Required", help: "A code is asked at every login; operators without an authenticator must set one up." },
  OPTIONAL: { label: "Optional", help: "Operators may set up an authenticator; only those who did are asked for a code." },
  DISABLED: { label: "Disabled", help: "No code is asked. A configured authenticator is kept but not used." },
};

export const STATES = {
  NOT_CONFIGURED: "not set up",
  PENDING: "setup started, not finished",
  CONFIGURED: "set up",
};

/** An operator's effective mode and where it comes from, in words. */
export function policyWords(policy, { self = true } = {}) {
  if (policy.source === "SINGLE_SIGN_ON") return "Not used with single sign-on";
  const mode = MODES[policy.mode].label;
  if (policy.source === "OPERATOR_OVERRIDE") return `${mode}, overridden for ${self ? "you" : "this operator"}`;
  if (!self) return `${mode}, the account default`;
  return { REQUIRED: "Required by your account", OPTIONAL: "Optional in your account", DISABLED: "Turned off for your account" }[policy.mode];
}

// Passkeys (and security keys) as a second factor: the list in "Your settings" with
// Remove, and "Add a passkey", which also stands beside the QR code in the setup flow.
//
// Adding one: startPasskeyRegistration gives the creation options, the browser makes the
// credential (webauthn.js), finishPasskeyRegistration stores it. The first factor comes
// with recovery codes, shown once. Adding from a session needs a recent login (the "confirm
// it is you" prompt); from a setup link, the link's token stands for the session.

import { graphql, mutate, USER_ERRORS } from "../api.js";
import { actionArea, askFirst } from "../actions.js";
import { timeElement } from "../format.js";
import { announce, field, form, h, uid } from "../forms.js";
import { createPasskey, PasskeyProblem, passkeysSupported } from "../webauthn.js";

const PASSKEYS = `query Passkeys { viewer { id passkeys { id name createdAt lastUsedAt } } }`;

const START = `mutation StartPasskeyRegistration($setupToken: String) {
  startPasskeyRegistration(input: { setupToken: $setupToken }) { publicKeyOptions ${USER_ERRORS} }
}`;

const FINISH = `mutation FinishPasskeyRegistration($name: String!, $credential: JSON!, $setupToken: String) {
  finishPasskeyRegistration(input: { name: $name, credential: $credential, setupToken: $setupToken }) {
    passkey { id name } recoveryCodes sessionToken ${USER_ERRORS}
  }
}`;

const REMOVE = `mutation RemovePasskey($passkeyId: ID!) {
  removePasskey(input: { passkeyId: $passkeyId }) { ${USER_ERRORS} }
}`;

/** How the console quotes a passkey's name. */
export const quoted = (name) => `‘${name}’`;

/**
 * "Add a passkey": a name, then the browser's own prompt. `added(payload)` receives
 * finishPasskeyRegistration's payload (passkey, recoveryCodes, sessionToken).
 */
export function addPasskeyForm({ setupToken = null, added }) {
  if (!passkeysSupported()) {
    return h("p", { class: "hint" }, "This browser cannot use passkeys here. Open the console in an up-to-date browser at its usual https address.");
  }
  return form(
    {
      submitLabel: "Add a passkey",
      submit: async ({ name }) => {
        const started = await mutate(START, { setupToken });
        if (!started.publicKeyOptions) return started.userErrors;
        let credential;
        try {
          credential = await createPasskey(started.publicKeyOptions);
        } catch (error) {
          if (!(error instanceof PasskeyProblem)) throw error;
          return [{ code: "PASSKEY_NOT_CREATED", message: error.message }];
        }
        const finished = await mutate(FINISH, { name: name.trim(), credential, setupToken });
        if (finished.passkey) await added(finished);
        return finished.userErrors;
      },
    },
    field({
      label: "Passkey name",
      name: "name",
      hint: "To tell your passkeys apart, e.g. “Work laptop” or “Blue security key”. Your device then asks for your fingerprint, face, PIN or a touch.",
      autocomplete: "off",
      maxLength: 100,
      required: true,
    }),
  );
}

/**
 * The "Passkeys" part of "Your settings": the operator's passkeys with Remove, and the
 * form to add one when `canAdd`. `added(payload)` is called after one is added.
 */
export async function passkeysSection({ canAdd, added }) {
  const titleId = uid("passkeys");
  const list = h("ul", { class: "passkeys", "aria-labelledby": titleId });
  const empty = h("p", { class: "count", tabIndex: -1 }, "No passkeys yet.");

  const load = async () => {
    const passkeys = (await graphql(PASSKEYS)).viewer?.passkeys ?? [];
    list.replaceChildren(...passkeys.map(item));
    list.hidden = passkeys.length === 0;
    empty.hidden = passkeys.length > 0;
  };

  const item = (passkey) => {
    const nameId = uid("passkey");
    const area = actionArea();
    const remove = async () => {
      const result = await area.run(() => mutate(REMOVE, { passkeyId: passkey.id }));
      if (!result) {
        showButton();
        return;
      }
      await load();
      empty.hidden ? list.querySelector("button")?.focus() : empty.focus();
      announce(`The passkey ${quoted(passkey.name)} is removed.`);
    };
    function showButton() {
      area.buttons.replaceChildren(
        h(
          "button",
          {
            type: "button",
            "aria-describedby": nameId,
            onclick: () =>
              askFirst(area, {
                label: "Confirm removal",
                question: `Remove the passkey ${quoted(passkey.name)}? It no longer logs you in.`,
                yes: "Yes, remove",
                action: remove,
                restore: () => {
                  showButton();
                  area.buttons.querySelector("button").focus();
                },
              }),
          },
          "Remove",
        ),
      );
    }
    showButton();
    return h(
      "li",
      {},
      h("p", {}, h("strong", { id: nameId }, passkey.name)),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Added"),
        h("dd", {}, timeElement(passkey.createdAt)),
        h("dt", {}, "Last used"),
        h("dd", {}, passkey.lastUsedAt ? timeElement(passkey.lastUsedAt) : "Never"),
      ),
      area.element,
    );
  };

  await load();
  return h(
    "div",
    {},
    h("h2", { id: titleId }, "Passkeys"),
    h("p", {}, "A passkey or security key logs you in without a code: your device asks for your fingerprint, face, PIN or a touch."),
    empty,
    list,
    canAdd && h("h3", {}, "Add a passkey"),
    canAdd && addPasskeyForm({ added }),
  );
}

// The "confirm it is you" prompt. Sensitive mutations need a session that proved who the
// operator is within the last two hours; older sessions get REAUTHENTICATION_REQUIRED.
// api.js's mutate() then calls the prompt registered here: a modal dialog asks for the
// password (and a code when the operator has a second factor, or "Use a passkey" when they
// have passkeys), calls `reauthenticate`, and resolves true so that the mutation runs again;
// Cancel or Escape resolve false. Focus moves into the dialog and, when it closes, back to
// where it was.

import { ApiError, graphql, onReauthenticationRequired, USER_ERRORS } from "./api.js";
import { codeField, field, form, h, showErrors } from "./forms.js";
import { PasskeyProblem, passkeysSupported, usePasskey } from "./webauthn.js";

const NEEDS = `query ReauthenticationNeeds { viewer { effectiveTwoFactorPolicy { state } passkeys { id } } }`;

const REAUTHENTICATE = `mutation Reauthenticate($password: String!, $code: String) {
  reauthenticate(input: { password: $password, code: $code }) { session { authenticatedAt } ${USER_ERRORS} }
}`;

const REAUTHENTICATE_WITH_PASSKEY = `mutation ReauthenticateWithPasskey($password: String!, $credential: JSON!) {
  reauthenticate(input: { password: $password, credential: $credential }) { session { authenticatedAt } ${USER_ERRORS} }
}`;

const START_PASSKEY = `mutation StartPasskeyReauthentication {
  startPasskeyReauthentication { publicKeyOptions ${USER_ERRORS} }
}`;

/** The password with a passkey's assertion: the errors to show, none when confirmed. */
async function confirmWithPasskey(password) {
  if (!password) return [{ code: "REQUIRED", field: ["password"], message: "Enter your password, then use your passkey." }];
  const { startPasskeyReauthentication: started } = await graphql(START_PASSKEY);
  if (!started.publicKeyOptions) return started.userErrors;
  let credential;
  try {
    credential = await usePasskey(started.publicKeyOptions);
  } catch (error) {
    if (!(error instanceof PasskeyProblem)) throw error;
    return [{ code: "PASSKEY_NOT_USED", message: error.message }];
  }
  const { reauthenticate } = await graphql(REAUTHENTICATE_WITH_PASSKEY, { password, credential });
  return reauthenticate.session ? [] : reauthenticate.userErrors;
}

// Mutations refused together (say, two clicks) share one prompt.
let pending = null;

function confirmIdentity() {
  pending ??= ask().finally(() => {
    pending = null;
  });
  return pending;
}

async function ask() {
  const { viewer } = await graphql(NEEDS);
  if (!viewer) return false;
  const withCode = viewer.effectiveTwoFactorPolicy.state === "CONFIGURED";
  const withPasskey = viewer.passkeys.length > 0 && passkeysSupported();
  const opener = document.activeElement;

  return new Promise((resolve) => {
    let finished = false;
    const finish = (confirmed) => {
      if (finished) return;
      finished = true;
      window.removeEventListener("twofa:unauthenticated", abandon);
      if (dialog.open) dialog.close();
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(confirmed);
    };
    const abandon = () => finish(false);

    const cancel = h("button", { type: "button", onclick: abandon }, "Cancel");
    const confirmForm = form(
      {
        submitLabel: "Confirm",
        submit: async ({ password, code }) => {
          const { reauthenticate } = await graphql(REAUTHENTICATE, { password, code: withCode ? code : null });
          if (reauthenticate.session) finish(true);
          return reauthenticate.userErrors;
        },
      },
      field({ label: "Password", name: "password", type: "password", autocomplete: "current-password", required: true }),
      withCode && codeField({ recovery: true }),
    );
    confirmForm.querySelector(".actions").append(cancel);
    if (withPasskey) {
      const passkeyButton = h("button", { type: "button" }, "Use a passkey");
      passkeyButton.addEventListener("click", async () => {
        if (passkeyButton.getAttribute("aria-disabled")) return;
        passkeyButton.setAttribute("aria-disabled", "true");
        showErrors(confirmForm, []);
        try {
          const errors = await confirmWithPasskey(confirmForm.elements.password.value);
          if (errors.length) showErrors(confirmForm, errors);
          else finish(true);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          if (error.code !== "UNAUTHENTICATED") showErrors(confirmForm, [error]);
        } finally {
          passkeyButton.removeAttribute("aria-disabled");
        }
      });
      confirmForm.querySelector(".actions").prepend(passkeyButton);
    }

    const dialog = h(
      "dialog",
      { class: "reauthenticate", "aria-labelledby": "reauthenticate-title", "aria-describedby": "reauthenticate-why" },
      h("h2", { id: "reauthenticate-title" }, "Confirm it is you"),
      h(
        "p",
        { id: "reauthenticate-why" },
        withPasskey
          ? "You logged in a while ago. To do this, enter your password, then use a passkey or type a code."
          : withCode
            ? "You logged in a while ago. To do this, enter your password and a code from your authenticator app."
            : "You logged in a while ago. To do this, enter your password.",
      ),
      h("div", { class: "status", role: "status", "aria-live": "polite" }),
      confirmForm,
    );
    // Escape closes the dialog: that is a cancel too.
    dialog.addEventListener("close", abandon);
    window.addEventListener("twofa:unauthenticated", abandon);
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("input").focus();
  });
}

// A failure to ask (the network, or the session ended meanwhile) reaches the mutation's caller.
onReauthenticationRequired(confirmIdentity);

// Two-factor setup, in three steps: scan the QR code (or type the key), confirm with a
// first code, save the recovery codes; beside the QR code, a passkey may be added instead.
// It runs from the operator's settings (with the session), from the emailed setup link and
// after accepting an invitation (both with a setupToken; confirming then logs the operator in).

import { mutate, session, USER_ERRORS } from "../api.js";
import { formatTime } from "../format.js";
import { announce, codeField, form, h, heading } from "../forms.js";
import { navigate } from "../router.js";
import { addPasskeyForm } from "./passkeys.js";

const START = `mutation Start($setupToken: String) {
  startTwoFactorEnrollment(input: { setupToken: $setupToken }) {
    enrollment { secret qrCodePng expiresAt }
    ${USER_ERRORS}
  }
}`;

const CONFIRM = `mutation Confirm($code: String!, $setupToken: String) {
  confirmTwoFactorEnrollment(input: { code: $code, setupToken: $setupToken }) {
    recoveryCodes sessionToken
    ${USER_ERRORS}
  }
}`;

/** The setup page; `intro` says why the operator is here. */
export async function setupPage({ setupToken = null, intro = "" } = {}) {
  const page = h("section", { class: "narrow" });
  const show = (nodes, focus = "h1") => {
    page.replaceChildren(...nodes);
    page.querySelector(focus)?.focus();
  };

  // Every start makes a fresh secret (valid 15 minutes) and replaces any pending one.
  const begin = async () => {
    const result = await mutate(START, { setupToken });
    const [error] = result.userErrors;
    if (error?.code === "SETUP_LINK_REQUIRED") {
      // A session established by the password alone never binds an authenticator: the
      // emailed link proves the mailbox is the operator's.
      return [
        heading("Check your email"),
        h("p", {}, error.message),
        h("p", { class: "hint" }, "The link works once, for 24 hours. Open it in this browser to continue here."),
        h("p", {}, h("a", { href: "#/settings" }, "Back to your settings")),
      ];
    }
    if (error) {
      const next = setupToken ? ["/login", "Log in again to get a new setup email."] : ["/settings", "Back to your settings"];
      return [
        heading("Set up two-factor authentication"),
        h("p", { class: "problem" }, error.message),
        h("p", {}, h("a", { href: `#${next[0]}` }, next[1])),
      ];
    }
    return scanStep(result.enrollment);
  };

  const scanStep = (enrollment) => {
    const keyPanel = h(
      "div",
      { id: "manual-key", class: "manual-key", hidden: true },
      h("p", {}, "In your app, choose to enter a setup key and type:"),
      // Blocks of 4 are easier to type; apps ignore the spaces.
      h("p", {}, h("code", { class: "secret" }, enrollment.secret.match(/.{1,4}/g).join(" "))),
      h("p", { class: "hint" }, "Type of key: time-based. It gives 6-digit codes."),
    );
    const toggle = h(
      "button",
      {
        type: "button",
        class: "link",
        "aria-expanded": "false",
        "aria-controls": "manual-key",
        onclick: () => {
          keyPanel.hidden = !keyPanel.hidden;
          toggle.setAttribute("aria-expanded", String(!keyPanel.hidden));
        },
      },
      "Can't scan it? Enter this key",
    );
    return [
      heading("Set up two-factor authentication"),
      intro && h("p", {}, intro),
      h("p", {}, "Scan this QR code with an authenticator app (such as Google Authenticator, Microsoft Authenticator or 1Password)."),
      h("img", { class: "qr", src: enrollment.qrCodePng, alt: "QR code to scan with your authenticator app", width: 240, height: 240 }),
      h("p", { class: "hint" }, `This QR code and key work until ${formatTime(enrollment.expiresAt)}.`),
      h("p", {}, toggle),
      keyPanel,
      h("div", { class: "actions" }, h("button", { type: "button", class: "primary", onclick: () => show(codeStep(enrollment), "input") }, "Next")),
      h("h2", {}, "Or add a passkey"),
      h("p", {}, "Instead of an app, use a passkey on this device or a security key."),
      addPasskeyForm({ setupToken, added: passkeyAdded }),
    ];
  };

  // The first factor logs in from a setup link, and comes with recovery codes.
  const passkeyAdded = (result) => {
    if (result.sessionToken) session.set(result.sessionToken);
    const notice = "Two-factor authentication is on.";
    if (result.recoveryCodes) show(recoveryCodes(result.recoveryCodes, () => navigate("/settings", notice)));
    else navigate("/settings", notice);
  };

  const codeStep = (enrollment) => [
    heading("Enter the code from your app"),
    form(
      {
        submitLabel: "Finish",
        submit: async ({ code }) => {
          const result = await mutate(CONFIRM, { code, setupToken });
          if (result.userErrors[0]?.code === "NO_PENDING_ENROLLMENT") {
            show(await begin());
            announce("That setup expired. Scan the new QR code.", "error");
            return [];
          }
          if (result.sessionToken) session.set(result.sessionToken);
          if (result.recoveryCodes) show(recoveryCodes(result.recoveryCodes, () => navigate("/settings", "Two-factor authentication is on.")));
          return result.userErrors;
        },
      },
      codeField(),
    ),
    h("p", {}, h("button", { type: "button", class: "link", onclick: () => show(scanStep(enrollment)) }, "Back to the QR code")),
  ];

  page.replaceChildren(...(await begin()));
  return page;
}

/** The recovery codes, shown once, with Copy and Download; `done` continues. */
export function recoveryCodes(codes, done) {
  const text = `${codes.join("\n")}\n`;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      announce("Recovery codes copied.");
    } catch {
      announce("Copying did not work here. Select the codes and copy them, or download them.", "error");
    }
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const link = h("a", { href: url, download: "twofa-recovery-codes.txt", hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url));
  };
  return [
    heading("Save your recovery codes"),
    h("p", {}, "If you lose your authenticator, each of these codes lets you log in once. Keep them somewhere safe: they are shown only now."),
    h("ul", { class: "codes", "aria-label": "Recovery codes" }, codes.map((code) => h("li", {}, h("code", {}, code)))),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", onclick: copy }, "Copy"),
      h("button", { type: "button", onclick: download }, "Download"),
      h("button", { type: "button", class: "primary", onclick: done }, "I saved them, continue"),
    ),
  ];
}

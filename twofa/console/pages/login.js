// Login: email and password, then — depending on the outcome — a session, the second-factor
// step, or the "check your email" notice when two-factor authentication is required but not
// set up yet.
//
// The second-factor step offers what the login payload's availableSecondFactors lists: a
// passkey (startPasskeyVerification, the browser's prompt, verifyPasskey) and the code field,
// which takes an authenticator code, a recovery code or a temporary access pass.
//
// "Remember this browser": a successful second factor may return a device token. It is kept
// in localStorage, per email, and sent with every later login from this browser, which then
// skips the second factor until it expires. A login that still asks for a second factor
// drops it: it expired, or was forgotten.

import { graphql, mutate, session, USER_ERRORS } from "../api.js";
import { formatTime } from "../format.js";
import { codeField, field, form, h, heading } from "../forms.js";
import { navigate } from "../router.js";
import { PasskeyProblem, passkeysSupported, usePasskey } from "../webauthn.js";

const LOGIN = `mutation Login($email: String!, $password: String!, $deviceToken: String) {
  login(input: { email: $email, password: $password, deviceToken: $deviceToken }) {
    outcome sessionToken challengeToken availableSecondFactors ${USER_ERRORS}
  }
}`;

const VERIFY = `mutation Verify($challengeToken: String!, $code: String!, $rememberDevice: Boolean) {
  verifyTwoFactorCode(input: { challengeToken: $challengeToken, code: $code, rememberDevice: $rememberDevice }) {
    sessionToken deviceToken ${USER_ERRORS}
  }
}`;

const START_PASSKEY = `mutation StartPasskeyVerification($challengeToken: String!) {
  startPasskeyVerification(input: { challengeToken: $challengeToken }) { publicKeyOptions ${USER_ERRORS} }
}`;

const VERIFY_PASSKEY = `mutation VerifyPasskey($challengeToken: String!, $credential: JSON!, $rememberDevice: Boolean) {
  verifyPasskey(input: { challengeToken: $challengeToken, credential: $credential, rememberDevice: $rememberDevice }) {
    sessionToken deviceToken ${USER_ERRORS}
  }
}`;

// The newest remembered browser of the operator just logged in: this one.
const REMEMBERED = `query Remembered { viewer { trustedDevices { createdAt expiresAt } } }`;

/** The device tokens of this browser, by email: more than one operator may use it. */
export const deviceTokens = {
  KEY: "twofa.deviceTokens",
  all() {
    try {
      return JSON.parse(localStorage.getItem(this.KEY) ?? "{}");
    } catch {
      return {};
    }
  },
  get(email) {
    return this.all()[email.trim().toLowerCase()] ?? null;
  },
  set(email, token) {
    localStorage.setItem(this.KEY, JSON.stringify({ ...this.all(), [email.trim().toLowerCase()]: token }));
  },
  drop(email) {
    const tokens = this.all();
    delete tokens[email.trim().toLowerCase()];
    localStorage.setItem(this.KEY, JSON.stringify(tokens));
  },
};

const CODE_HINTS = {
  TOTP: "the 6-digit code from your authenticator app",
  RECOVERY_CODE: "one of your recovery codes",
  TEMPORARY_ACCESS_PASS: "the temporary access pass your administrator gave you",
};

export function loginPage() {
  const page = h("section", { class: "narrow" });
  const restart = () => {
    page.replaceChildren(...passwordStep());
    page.querySelector("input").focus();
  };

  const passwordStep = () => [
    heading("Log in"),
    form(
      {
        submitLabel: "Log in",
        submit: async ({ email, password }) => {
          const deviceToken = deviceTokens.get(email);
          const result = await mutate(LOGIN, { email, password, deviceToken });
          if (result.outcome === "AUTHENTICATED") loggedIn(result.sessionToken);
          else if (result.outcome === "TWO_FACTOR_CODE_REQUIRED") {
            if (deviceToken) deviceTokens.drop(email);
            page.replaceChildren(...secondFactorStep(email, result.challengeToken, result.availableSecondFactors ?? []));
            (page.querySelector("input[name=code]") ?? page.querySelector("button")).focus();
          } else if (result.outcome === "TWO_FACTOR_SETUP_EMAIL_SENT") {
            page.replaceChildren(...emailSent(email));
            page.querySelector("h1").focus();
          }
          return result.userErrors;
        },
      },
      field({ label: "Email", name: "email", type: "email", autocomplete: "username", required: true }),
      field({ label: "Password", name: "password", type: "password", autocomplete: "current-password", required: true }),
    ),
    h("p", {}, h("a", { href: "#/forgot-password" }, "Forgot your password?")),
  ];

  // The challenge token is valid for 5 minutes; each wrong code or passkey counts towards a lock.
  const secondFactorStep = (email, challengeToken, factors) => {
    const remember = h("input", { type: "checkbox", id: "remember-device", name: "rememberDevice", "aria-describedby": "remember-device-hint" });
    const rememberChoice = h(
      "div",
      { class: "choice" },
      remember,
      h("label", { for: "remember-device" }, "Remember this browser"),
      h("p", { class: "hint", id: "remember-device-hint" }, "Logging in here then asks for your password only, for as many days as your account allows. Not on a shared computer."),
    );
    const finish = (result) => {
      if (!result.sessionToken) return result.userErrors;
      if (result.deviceToken) deviceTokens.set(email, result.deviceToken);
      loggedIn(result.sessionToken, { asked: remember.checked, remembered: Boolean(result.deviceToken) });
      return [];
    };

    const withCode = factors.filter((factor) => factor in CODE_HINTS);
    const hints = withCode.map((factor) => CODE_HINTS[factor]);
    const hint = hints.length > 1 ? `${hints.slice(0, -1).join(", ")} or ${hints.at(-1)}` : hints[0];
    const codeForm =
      withCode.length > 0 &&
      form(
        {
          submitLabel: "Verify",
          submit: async ({ code }) => finish(await mutate(VERIFY, { challengeToken, code, rememberDevice: remember.checked })),
        },
        codeField({ recovery: true, hint: `Type ${hint}.` }),
        rememberChoice,
      );

    const passkeyProblem = h("div", { class: "form-error", hidden: true });
    const passkeyButton = h("button", { type: "button", class: withCode.length ? undefined : "primary" }, "Use a passkey");
    const usePasskeyNow = async () => {
      if (passkeyButton.getAttribute("aria-disabled")) return;
      passkeyButton.setAttribute("aria-disabled", "true");
      passkeyProblem.hidden = true;
      try {
        const errors = await verifyWithPasskey(challengeToken, remember.checked, finish);
        if (errors.length) {
          passkeyProblem.replaceChildren(h("span", { "data-code": errors[0].code }, errors[0].message));
          passkeyProblem.hidden = false;
        }
      } finally {
        passkeyButton.removeAttribute("aria-disabled");
      }
    };
    passkeyButton.addEventListener("click", usePasskeyNow);
    const withPasskey = factors.includes("PASSKEY") && passkeysSupported();

    return [
      heading("Enter your code"),
      withPasskey && h("p", {}, "Use one of your passkeys, or a code."),
      withPasskey && h("div", { class: "actions" }, passkeyButton),
      withPasskey && passkeyProblem,
      !withPasskey && !codeForm && h("p", { class: "problem" }, "Your second factor is a passkey, and this browser cannot use passkeys here. Log in from an up-to-date browser at the console's usual address."),
      codeForm && h("p", {}, withPasskey ? "Or type a code:" : "Open your authenticator app and type the code it shows for this account."),
      codeForm || rememberChoice,
      h("p", {}, h("button", { type: "button", class: "link", onclick: restart }, "Start again")),
    ];
  };

  const emailSent = (email) => [
    heading("Check your email"),
    h("p", {}, "Your account requires two-factor authentication, and it is not set up yet."),
    h("p", {}, `We sent a link to set it up to ${email}. It works for 24 hours.`),
    h("p", {}, h("button", { type: "button", class: "link", onclick: restart }, "Back to login")),
  ];

  page.replaceChildren(...passwordStep());
  return page;
}

/** Options, the browser's prompt, then verifyPasskey; returns the errors to show (none when in). */
async function verifyWithPasskey(challengeToken, rememberDevice, finish) {
  const started = await mutate(START_PASSKEY, { challengeToken });
  if (!started.publicKeyOptions) return started.userErrors;
  let credential;
  try {
    credential = await usePasskey(started.publicKeyOptions);
  } catch (error) {
    if (!(error instanceof PasskeyProblem)) throw error;
    return [{ code: "PASSKEY_NOT_USED", message: error.message }];
  }
  return finish(await mutate(VERIFY_PASSKEY, { challengeToken, credential, rememberDevice }));
}

/** Keep the session; say whether this browser is now remembered, and until when. */
async function loggedIn(sessionToken, { asked = false, remembered = false } = {}) {
  session.set(sessionToken);
  let notice = "";
  if (remembered) {
    notice = "This browser is remembered.";
    try {
      const devices = (await graphql(REMEMBERED)).viewer?.trustedDevices ?? [];
      const newest = devices.reduce((last, item) => (!last || item.createdAt > last.createdAt ? item : last), null);
      if (newest) notice = `This browser is remembered until ${formatTime(newest.expiresAt)}.`;
    } catch {
      // The expiry is a courtesy: the settings page lists the remembered browsers anyway.
    }
  } else if (asked) {
    // Off for the account, or a temporary access pass, which never remembers a browser.
    notice = "This browser was not remembered: your next login here asks for a second factor again.";
  }
  navigate("/settings", notice);
}

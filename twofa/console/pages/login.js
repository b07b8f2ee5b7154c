// Login: email and password, then — depending on the outcome — a session, the code
// step (verifyTwoFactorCode), or the "check your email" notice when two-factor
// authentication is required but not set up yet.

import { mutate, session, USER_ERRORS } from "../api.js";
import { codeField, field, form, h, heading } from "../forms.js";
import { navigate } from "../router.js";

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(input: { email: $email, password: $password }) {
    outcome sessionToken challengeToken ${USER_ERRORS}
  }
}`;

const VERIFY = `mutation Verify($challengeToken: String!, $code: String!) {
  verifyTwoFactorCode(input: { challengeToken: $challengeToken, code: $code }) {
    sessionToken ${USER_ERRORS}
  }
}`;

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
          const result = await mutate(LOGIN, { email, password });
          if (result.outcome === "AUTHENTICATED") loggedIn(result.sessionToken);
          else if (result.outcome === "TWO_FACTOR_CODE_REQUIRED") {
            page.replaceChildren(...codeStep(result.challengeToken));
            page.querySelector("input").focus();
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

  // The challenge token is valid for 5 minutes; each wrong code counts towards a lock.
  const codeStep = (challengeToken) => [
    heading("Enter your code"),
    h("p", {}, "Open your authenticator app and type the code it shows for this account."),
    form(
      {
        submitLabel: "Verify",
        submit: async ({ code }) => {
          const result = await mutate(VERIFY, { challengeToken, code });
          if (result.sessionToken) loggedIn(result.sessionToken);
          return result.userErrors;
        },
      },
      codeField({ recovery: true }),
    ),
    h("p", {}, h("button", { type: "button", class: "link", onclick: restart }, "Start again")),
  ];

  const emailSent = (email) => [
    heading("Check your email"),
    h("p", {}, "Your account requires two-factor authentication, and it is not set up yet."),
    h("p", {}, `We sent a link to set it up to ${email}. It works for 24 hours.`),
    h("p", {}, h("button", { type: "button", class: "link", onclick: restart }, "Back to login")),
  ];

  page.replaceChildren(...passwordStep());
  return page;
}

function loggedIn(sessionToken) {
  session.set(sessionToken);
  navigate("/settings");
}

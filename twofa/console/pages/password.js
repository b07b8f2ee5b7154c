// Passwords: asking for a reset link (anyone), choosing a new password from that link, and
// changing the password from your settings.
//
// A reset ends every session and logs nobody in: the next login asks for the password and,
// when two-factor authentication is set up, a code, as always.

import { mutate, USER_ERRORS } from "../api.js";
import { announce, field, form, h, heading } from "../forms.js";
import { navigate } from "../router.js";

const REQUEST = `mutation RequestReset($email: String!) {
  requestPasswordReset(input: { email: $email }) { ${USER_ERRORS} }
}`;

const RESET = `mutation Reset($token: String!, $newPassword: String!) {
  resetPassword(input: { token: $token, newPassword: $newPassword }) { ${USER_ERRORS} }
}`;

const CHANGE = `mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
  changePassword(input: { currentPassword: $currentPassword, newPassword: $newPassword }) { ${USER_ERRORS} }
}`;

const newPasswordField = (label) =>
  field({ label, name: "newPassword", type: "password", autocomplete: "new-password", hint: "At least 12 characters.", required: true });

export function forgotPasswordPage() {
  const page = h("section", { class: "narrow" });
  page.append(
    heading("Reset your password"),
    h("p", {}, "Enter the email address you log in with. If it belongs to an operator who logs in with a password, we email a link to choose a new one."),
    form(
      {
        submitLabel: "Email me a link",
        submit: async ({ email }) => {
          const result = await mutate(REQUEST, { email });
          if (!result.userErrors.length) {
            // The API answers the same for every address, and so does the console.
            page.replaceChildren(
              heading("Check your email"),
              h("p", {}, `If ${email} belongs to an operator who logs in with a password, a link to choose a new one is on its way. It works once, for 1 hour.`),
              h("p", {}, h("a", { href: "#/login" }, "Back to login")),
            );
            page.querySelector("h1").focus();
          }
          return result.userErrors;
        },
      },
      field({ label: "Email", name: "email", type: "email", autocomplete: "username", required: true }),
    ),
    h("p", {}, h("a", { href: "#/login" }, "Back to login")),
  );
  return page;
}

export function resetPasswordPage(token) {
  return h(
    "section",
    { class: "narrow" },
    heading("Choose a new password"),
    h("p", {}, "You will be logged out everywhere. Then log in with the new password (and your code, if you use two-factor authentication)."),
    form(
      {
        submitLabel: "Save password",
        submit: async ({ newPassword }) => {
          const result = await mutate(RESET, { token, newPassword });
          if (!result.userErrors.length) navigate("/login", "Your password was changed. Log in with the new one.");
          return result.userErrors;
        },
      },
      newPasswordField("New password"),
    ),
  );
}

/** The "Change your password" section of the operator's settings. */
export function changePasswordSection() {
  return h(
    "details",
    {},
    h("summary", {}, "Change your password"),
    h("p", {}, "Your other sessions end; this one stays."),
    form(
      {
        submitLabel: "Change password",
        submit: async ({ currentPassword, newPassword }, formElement) => {
          const result = await mutate(CHANGE, { currentPassword, newPassword });
          if (!result.userErrors.length) {
            formElement.reset();
            announce("Your password was changed. Your other sessions were ended.");
          }
          return result.userErrors;
        },
      },
      field({ label: "Current password", name: "currentPassword", type: "password", autocomplete: "current-password", required: true }),
      newPasswordField("New password"),
    ),
  );
}

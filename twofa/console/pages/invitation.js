// Accepting an invitation: set a password (and maybe another name); then either the
// operator is logged in, or two-factor setup follows with the payload's setupToken, or
// (single sign-on) they are told to sign in at their organisation's identity provider.
//
// The console cannot tell before accepting whether the invitee uses single sign-on, so
// the password field is always there but may be left empty: the API asks for it when it
// is needed and ignores it for single sign-on.

import { mutate, session, USER_ERRORS } from "../api.js";
import { field, form, h, heading } from "../forms.js";
import { navigate } from "../router.js";
import { setupPage } from "./setup.js";

const ACCEPT = `mutation Accept($invitationToken: String!, $password: String, $name: String) {
  acceptInvitation(input: { invitationToken: $invitationToken, password: $password, name: $name }) {
    outcome sessionToken setupToken
    viewer { account { name } }
    ${USER_ERRORS}
  }
}`;

export function invitationPage(invitationToken) {
  const page = h("section", { class: "narrow" });
  if (!invitationToken) {
    page.append(heading("Accept your invitation"), h("p", {}, "Open the link from your invitation email again to continue."));
    return page;
  }
  page.append(
    heading("Accept your invitation"),
    h("p", {}, "Choose a password to finish joining. You will use it with your email address to log in."),
    h("p", {}, "If your organisation signs you in with single sign-on, leave the password empty."),
    form(
      {
        submitLabel: "Accept invitation",
        submit: async ({ name, password }) => {
          const result = await mutate(ACCEPT, { invitationToken, password: password || null, name: name.trim() || null });
          if (result.outcome === "SINGLE_SIGN_ON") {
            page.replaceChildren(...singleSignOn(result.viewer.account.name, Boolean(password)));
            page.querySelector("h1").focus();
          } else if (result.outcome === "AUTHENTICATED") {
            session.set(result.sessionToken);
            navigate("/settings", `Welcome to ${result.viewer.account.name}.`);
          } else if (result.outcome === "TWO_FACTOR_SETUP_REQUIRED") {
            // The invitation is used up now; the setup token is valid for 30 minutes.
            const intro = `${result.viewer.account.name} requires two-factor authentication. Set it up to finish joining.`;
            page.replaceWith(await setupPage({ setupToken: result.setupToken, intro }));
            document.querySelector("h1").focus();
          }
          return result.userErrors;
        },
      },
      // The API cannot tell the invited name before accepting, so the field starts empty.
      field({ label: "Your name (optional)", name: "name", autocomplete: "name", hint: "Leave it empty to keep the name you were invited with." }),
      field({
        label: "Password",
        name: "password",
        type: "password",
        autocomplete: "new-password",
        hint: "At least 12 characters.",
      }),
    ),
  );
  return page;
}

/** The end of accepting for a single-sign-on operator: no password, no session here. */
function singleSignOn(accountName, typedPassword) {
  return [
    heading("You have joined"),
    h("p", {}, `You are now an operator of ${accountName}.`),
    h(
      "p",
      {},
      "You sign in through your organisation's identity provider (single sign-on), so you need no password here",
      typedPassword ? " and the one you typed was not kept." : ".",
    ),
    h("p", {}, "To start, sign in from your organisation's usual sign-in page."),
  ];
}

// Entry point: takes an email link's token, maps routes to pages, keeps the navigation
// in line with who is logged in, and moves the focus to each new page's heading.
//
// The modules, for a frontend developer finding their way:
//   api.js        POST /graphql, the session token in sessionStorage, top-level errors
//   reauthenticate.js  the "confirm it is you" dialog for REAUTHENTICATION_REQUIRED
//   router.js     hash routes (#/operators/:id) and the tokens of email links
//   forms.js      building elements, forms with userErrors next to their fields, words
//   format.js     formatTime: how every page writes an instant
//   actions.js    buttons with their refusals below them, "are you sure?" before destroying
//   secret.js     a secret shown once (API key, webhook signing secret) with Copy
//   webauthn.js   passkeys: WebAuthn options and credentials to and from their JSON form
//   compliance.js words and badges for two-factor compliance, counts per state
//   report.js     "Download report": the compliance CSV fetched with the session token
//   pages/login.js       email + password, then a passkey or a code (remember this browser),
//                        or the "check your email" notice
//   pages/setup.js       QR code or key, first code, recovery codes (Copy / Download); or a passkey
//   pages/passkeys.js    the operator's passkeys: list, remove, add
//   pages/trusted-devices.js  remembered browsers with Forget, for settings and operators
//   pages/temporary-access-pass.js  a pass for a locked-out operator, shown once
//   pages/invitation.js  password for an invitation, then setup when required
//   pages/settings.js    the operator's own 2FA status, disable, new recovery codes, sessions
//   pages/password.js    asking for a reset link, a new password from it, changing it
//   pages/sessions.js    a list of sessions with "end" buttons, for settings and operators
//   pages/account.js     the account default, grace period and "Enforce from"; compliance
//                        counts and the report; how long browsers are remembered
//   pages/policy-preview.js  what a new default would do, shown before Apply
//   pages/operators.js   operators: list (search, status and compliance filters), invite
//   pages/invitations.js the pending invitations: sent again or withdrawn
//   pages/operator.js    one operator: facts and compliance, override, reset, sessions
//   pages/operator-access.js  one operator's role, unlock, deactivate, invitation
//   pages/audit.js       the audit log, filtered by kind, who acted and time
//   pages/api-keys.js    API keys: create (secret shown once), list, revoke
//   pages/webhooks.js    webhook endpoints: list, add (signing secret shown once)
//   pages/webhook.js     one endpoint: send test, rotate secret, enable/disable, delete, change
//   pages/deliveries.js  one endpoint's delivery log, Refresh and Redeliver

import { ApiError, graphql, session } from "./api.js";
import { timeElement } from "./format.js";
import { announce, h, heading } from "./forms.js";
import { accountPage } from "./pages/account.js";
import { apiKeysPage } from "./pages/api-keys.js";
import { auditPage } from "./pages/audit.js";
import { invitationPage } from "./pages/invitation.js";
import { loginPage } from "./pages/login.js";
import { operatorPage } from "./pages/operator.js";
import { operatorsPage } from "./pages/operators.js";
import { forgotPasswordPage, resetPasswordPage } from "./pages/password.js";
import { logout, settingsPage } from "./pages/settings.js";
import { setupPage } from "./pages/setup.js";
import { webhookPage } from "./pages/webhook.js";
import { webhooksPage } from "./pages/webhooks.js";
import "./reauthenticate.js";
import { navigate, route, start, takeLinkToken, takeNotice } from "./router.js";

// First of all: read the token of an email link (/two-factor/setup, /invitations/accept,
// /password/reset) and replace that URL in the history. The token stays in memory only.
const linkToken = takeLinkToken();

const nav = document.getElementById("nav");
const app = document.getElementById("app");
const banner = document.getElementById("banner");

/** Pages that need a session (and maybe the administrator role); the nav shows who is in. */
function signedIn(page, { admin = false } = {}) {
  return async (params, path) => {
    // An expired or revoked session reads as viewer: null.
    const viewer = session.token ? (await graphql(ME)).viewer : null;
    showBanner(viewer);
    if (!viewer) {
      navigate("/login", session.token ? "Your session has ended. Please log in again." : "");
      session.clear();
      return null;
    }
    showNav(viewer, path);
    if (admin && viewer.role !== "ADMINISTRATOR") {
      return h("section", {}, heading("Administrators only"), h("p", {}, "Your role does not give access to this page."));
    }
    return page(params);
  };
}

/** Pages for anyone: no navigation. */
function open(page) {
  return (params) => {
    nav.replaceChildren();
    showBanner(null);
    return page(params);
  };
}

/** Pages of an email link, which need its token. */
function withLinkToken(page) {
  return open(() =>
    linkToken ? page(linkToken) : h("section", { class: "narrow" }, heading("Link needed"), h("p", {}, "Open the link from your email again to continue.")),
  );
}

const ME = `query Me { viewer { name role effectiveTwoFactorPolicy { setupDeadline } } }`;

/**
 * While a grace period runs (2FA required, not set up yet, a password still logs in), every
 * page says until when. The setup link is emailed at each such login; starting setup from
 * the session is refused for a required operator, so the banner offers no button.
 * The alert is announced when it appears or its deadline changes, not on every page.
 */
function showBanner(viewer) {
  const deadline = viewer?.effectiveTwoFactorPolicy.setupDeadline ?? "";
  if (banner.dataset.deadline === deadline) return;
  banner.dataset.deadline = deadline;
  if (!deadline) {
    banner.replaceChildren();
    return;
  }
  banner.replaceChildren(
    h(
      "div",
      { class: "banner", role: "alert" },
      "Two-factor authentication is required from ",
      timeElement(deadline),
      ". Set it up from the link we emailed you.",
    ),
  );
}

function showNav(viewer, path) {
  const link = (href, text) => h("li", {}, h("a", { href: `#${href}`, "aria-current": path.startsWith(href) && "page" }, text));
  nav.replaceChildren(
    h(
      "ul",
      {},
      link("/settings", "Your settings"),
      viewer.role === "ADMINISTRATOR" && [
        link("/account", "Account"),
        link("/operators", "Operators"),
        link("/api-keys", "API keys"),
        link("/webhooks", "Webhooks"),
        link("/audit", "Audit log"),
      ],
      h("li", {}, h("button", { type: "button", class: "link", onclick: logout }, "Log out")),
    ),
  );
}

route("/", () => navigate(session.token ? "/settings" : "/login"));
route("/login", open(loginPage));
route("/setup-link", withLinkToken((setupToken) => setupPage({ setupToken })));
route("/invitation", withLinkToken(invitationPage));
route("/forgot-password", open(forgotPasswordPage));
route("/password-reset", withLinkToken(resetPasswordPage));
route("/settings", signedIn(settingsPage));
route("/setup", signedIn(() => setupPage()));
route("/account", signedIn(accountPage, { admin: true }));
route("/operators", signedIn(operatorsPage, { admin: true }));
route("/operators/:id", signedIn(operatorPage, { admin: true }));
route("/audit", signedIn(auditPage, { admin: true }));
route("/api-keys", signedIn(apiKeysPage, { admin: true }));
route("/webhooks", signedIn(webhooksPage, { admin: true }));
route("/webhooks/:id", signedIn(webhookPage, { admin: true }));

// A top-level UNAUTHENTICATED error (see api.js) sends the operator back to login.
window.addEventListener("twofa:unauthenticated", () => navigate("/login", "Your session has ended. Please log in again."));

let latest = 0;
start(async (render, params, path) => {
  const ticket = ++latest;
  announce("");
  let content;
  try {
    content = await render(params, path);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === "UNAUTHENTICATED") return;
    content = h("section", {}, heading("Something went wrong"), h("p", { class: "problem" }, error.message));
  }
  if (ticket !== latest || !content) return; // the operator moved on, or the page redirected
  app.replaceChildren(content);
  const title = app.querySelector("h1");
  document.title = `${title.textContent} · twofa`;
  title.focus();
  const notice = takeNotice();
  if (notice) announce(notice);
});

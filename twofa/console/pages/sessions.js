// Where an operator is signed in, and ending it. "Your settings" lists the operator's own
// sessions (the current one marked) with "Log out everywhere else"; an operator's page lists
// theirs for an administrator, with "End all sessions". Ending sessions is a sensitive action:
// an old session first gets the "confirm it is you" prompt (see reauthenticate.js).
//
// A session can vanish under the list (it expired, or was ended elsewhere): ending it again
// answers NOT_FOUND, which just refreshes the list. When the current session is ended
// elsewhere, the next request answers UNAUTHENTICATED and api.js goes back to login.

import { graphql, mutate, operatorMutation, USER_ERRORS } from "../api.js";
import { timeElement } from "../format.js";
import { announce, h, plural, safely, uid } from "../forms.js";

// Sessions last 12 hours, so the newest 100 (one page) are all there is in practice.
const PAGE_SIZE = 100;

const SESSIONS = `query Sessions($id: ID!) {
  node(id: $id) { ... on Operator { sessions(first: ${PAGE_SIZE}) {
    pageInfo { hasNextPage }
    edges { node { id createdAt lastUsedAt authenticationMethods ipAddress userAgent current } }
  } } }
}`;

const REVOKE = `mutation RevokeSession($sessionId: ID!) {
  revokeSession(input: { sessionId: $sessionId }) { ${USER_ERRORS} }
}`;

const REVOKE_ALL = operatorMutation("revokeOperatorSessions", "revokedCount");

/**
 * The "Sessions" part of a page: `operatorId`'s sessions, each with "End session" (but the
 * current one), and a button that ends all of them, or with `self` all but the current.
 * `name` names the operator in messages; `actions` are more buttons beside that one.
 */
export async function sessionsSection({ operatorId, self, name, actions = [] }) {
  const titleId = uid("sessions");
  const count = h("p", { class: "count", tabIndex: -1 });
  const list = h("ul", { class: "sessions", "aria-labelledby": titleId });
  const endAll = h(
    "button",
    { type: "button", onclick: safely(() => endAllSessions()) },
    self ? "Log out everywhere else" : "End all sessions",
  );

  const load = async () => {
    const connection = (await graphql(SESSIONS, { id: operatorId })).node?.sessions;
    const sessions = connection?.edges.map((edge) => edge.node) ?? [];
    const more = connection?.pageInfo.hasNextPage ?? false;
    count.textContent = sessions.length
      ? `${plural(sessions.length, "session")}${more ? ", the newest shown" : ""}.`
      : "No sessions.";
    list.replaceChildren(...sessions.map(item));
    list.hidden = sessions.length === 0;
    endAll.hidden = !more && sessions.every((session) => session.current);
  };

  // After a change the buttons pressed are gone: the focus goes to the count, which says what is left.
  const reload = async (notice) => {
    await load();
    count.focus();
    announce(notice);
  };

  const end = async (session) => {
    const result = await mutate(REVOKE, { sessionId: session.id });
    const [error] = result.userErrors;
    if (error && error.code !== "NOT_FOUND") announce(error.message, "error");
    else await reload(error ? "That session had ended already." : "Session ended.");
  };

  const endAllSessions = async () => {
    const result = await mutate(REVOKE_ALL, { operatorId });
    const [error] = result.userErrors;
    if (error) announce(error.message, "error");
    else if (self) await reload(`Logged out of ${plural(result.revokedCount, "other session")}.`);
    else await reload(`Ended ${plural(result.revokedCount, "session")} of ${name}.`);
  };

  const item = (session) => {
    const deviceId = uid("session");
    const label = device(session.userAgent);
    return h(
      "li",
      {},
      h(
        "p",
        { class: "device" },
        h("strong", { id: deviceId }, label),
        session.current && h("span", { class: "badge" }, "This session"),
      ),
      session.userAgent && session.userAgent !== label && h("p", { class: "hint user-agent" }, session.userAgent),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Address"),
        h("dd", {}, session.ipAddress ?? "unknown"),
        h("dt", {}, "Last used"),
        h("dd", {}, timeElement(session.lastUsedAt)),
        h("dt", {}, "Signed in"),
        h("dd", {}, timeElement(session.createdAt)),
        h("dt", {}, "Signed in with"),
        h("dd", {}, methodWords(session.authenticationMethods)),
      ),
      !session.current &&
        h("button", { type: "button", "aria-describedby": deviceId, onclick: safely(() => end(session)) }, "End session"),
    );
  };

  await load();
  return h(
    "div",
    {},
    h("h2", { id: titleId }, "Sessions"),
    h(
      "p",
      {},
      self
        ? "Where you are logged in. End any session you do not recognise."
        : `Where ${name} is logged in. Ending a session logs them out there.`,
    ),
    count,
    list,
    h("div", { class: "actions" }, endAll, ...actions),
  );
}

const METHODS = {
  PASSWORD: "password",
  TOTP: "authenticator code",
  RECOVERY_CODE: "recovery code",
  SETUP_LINK: "setup link",
  INVITATION: "invitation link",
  PASSKEY: "passkey",
  TRUSTED_DEVICE: "remembered browser",
  TEMPORARY_ACCESS_PASS: "temporary access pass",
};

/** How a session was established, e.g. "Password and authenticator code". */
function methodWords(methods) {
  const words = methods.map((method) => METHODS[method] ?? method.toLowerCase());
  const text = words.length > 1 ? `${words.slice(0, -1).join(", ")} and ${words.at(-1)}` : words[0] ?? "unknown";
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A short name for a User-Agent, e.g. "Firefox on Windows"; the string itself if unknown. */
export function device(userAgent) {
  if (!userAgent) return "Unknown device";
  const pick = (pairs) => pairs.find(([pattern]) => pattern.test(userAgent))?.[1];
  const browser = pick([
    [/Edg\//, "Edge"],
    [/OPR\//, "Opera"],
    [/Firefox\//, "Firefox"],
    [/Chrom(e|ium)\//, "Chrome"],
    [/Safari\//, "Safari"],
  ]);
  const system = pick([
    [/iPhone|iPad/, "iOS"],
    [/Android/, "Android"],
    [/Windows/, "Windows"],
    [/Macintosh|Mac OS X/, "macOS"],
    [/CrOS/, "ChromeOS"],
    [/Linux/, "Linux"],
  ]);
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent;
}

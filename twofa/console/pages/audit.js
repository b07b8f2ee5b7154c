// The audit log: newest first, narrowed by kind, by who acted and by time, with "More" for
// older pages. An event done by an API key names the key where a person's name would be:
// "by API key ‘Nightly’ (twofa_key_ab12cd)".

import { graphql } from "../api.js";
import { timeElement } from "../format.js";
import { form, h, heading, plural, safely } from "../forms.js";

const PAGE_SIZE = 20;

const AUDIT = `query Audit($after: String, $filter: AuditEventFilter) {
  viewer { account { auditEvents(first: ${PAGE_SIZE}, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id kind occurredAt details actor { id name } apiKey { name prefix } target { id name } } }
  } } }
}`;

// Whose actions to filter by: the account's operators (one page of 100 is all in practice).
const ACTORS = `query AuditActors {
  viewer { account { operators(first: 100) { edges { node { id name email } } } } }
}`;

// Every AuditEventKind of the schema, in its order, in words; also the "Kind" choices.
export const EVENT_WORDS = {
  ACCOUNT_DEFAULT_CHANGED: "Account default changed",
  OVERRIDE_SET: "Override set",
  OVERRIDE_CLEARED: "Override cleared",
  TWO_FACTOR_RESET: "Two-factor authentication reset",
  ENROLLMENT_STARTED: "Setup started",
  ENROLLMENT_CONFIRMED: "Two-factor authentication set up",
  TWO_FACTOR_DISABLED: "Two-factor authentication turned off",
  RECOVERY_CODES_REGENERATED: "New recovery codes",
  LOGIN_SUCCEEDED: "Logged in",
  LOGIN_FAILED: "Login failed",
  CODE_REJECTED: "Code refused",
  LOCKED_OUT: "Locked after failed attempts",
  RECOVERY_CODE_USED: "Recovery code used",
  INVITATION_SENT: "Invitation sent",
  INVITATION_ACCEPTED: "Invitation accepted",
  INVITATION_REVOKED: "Invitation withdrawn",
  SESSIONS_REVOKED: "Sessions ended",
  REAUTHENTICATED: "Confirmed their identity again",
  ROLE_CHANGED: "Role changed",
  OPERATOR_DEACTIVATED: "Operator deactivated",
  OPERATOR_REACTIVATED: "Operator reactivated",
  OPERATOR_UNLOCKED: "Operator unlocked",
  PASSWORD_CHANGED: "Password changed",
  PASSWORD_RESET_REQUESTED: "Password reset link sent",
  PASSWORD_RESET: "Password reset",
  API_KEY_CREATED: "API key created",
  API_KEY_REVOKED: "API key revoked",
  WEBHOOK_ENDPOINT_CREATED: "Webhook endpoint added",
  WEBHOOK_ENDPOINT_UPDATED: "Webhook endpoint changed",
  WEBHOOK_ENDPOINT_DELETED: "Webhook endpoint deleted",
  WEBHOOK_SECRET_ROTATED: "Webhook secret rotated",
  WEBHOOK_ENDPOINT_DISABLED: "Webhook endpoint disabled after failing",
  TWO_FACTOR_OVERDUE: "Two-factor setup deadline passed",
  COMPLIANCE_REPORT_DOWNLOADED: "Compliance report downloaded",
  PASSKEY_ADDED: "Passkey added",
  PASSKEY_REMOVED: "Passkey removed",
  TRUSTED_DEVICE_REMEMBERED: "Browser remembered",
  TRUSTED_DEVICES_FORGOTTEN: "Remembered browsers forgotten",
  TRUSTED_DEVICE_DAYS_CHANGED: "Remembered-browser days changed",
  TEMPORARY_ACCESS_PASS_ISSUED: "Temporary access pass issued",
  TEMPORARY_ACCESS_PASS_USED: "Temporary access pass used",
};

export async function auditPage() {
  const { operators } = (await graphql(ACTORS)).viewer.account;
  const count = h("p", { class: "count", tabIndex: -1 });
  const events = h("ol", { class: "events", "aria-label": "Audit events" });
  const more = h("button", { type: "button", onclick: safely(() => load({ focus: true })) }, "More");

  // Newest first; "More" appends the next (older) page and moves the focus to it. A new
  // filter starts again from the newest.
  let filter = {};
  let after = null;
  let latest = 0;
  const load = async ({ focus = false } = {}) => {
    const ticket = ++latest;
    const { auditEvents } = (await graphql(AUDIT, { after, filter })).viewer.account;
    if (ticket !== latest) return; // a newer filter was applied meanwhile
    const items = auditEvents.edges.map(({ node }) => eventItem(node));
    if (!after) events.replaceChildren();
    events.append(...items);
    const filtered = Object.keys(filter).length > 0;
    count.textContent = `${plural(auditEvents.totalCount, "event")}${filtered ? " matching the filters" : ""}.`;
    after = auditEvents.pageInfo.endCursor;
    more.hidden = !auditEvents.pageInfo.hasNextPage;
    if (focus) items[0]?.focus();
  };
  const apply = async (values) => {
    filter = filterOf(values);
    after = null;
    await load();
    count.focus();
  };

  await load();
  return h(
    "section",
    {},
    heading("Audit log"),
    filterForm(operators.edges.map((edge) => edge.node), apply),
    count,
    events,
    h("div", { class: "actions" }, more),
  );
}

/** Kind, who acted, since and until; "Show" applies them, "Clear" empties them and applies that. */
function filterForm(actors, apply) {
  const select = (id, label, name, options) =>
    h(
      "div",
      { class: "field" },
      h("label", { for: id }, label),
      h("select", { id, name }, options.map(([value, text]) => h("option", { value }, text))),
    );
  const when = (id, label, name) =>
    h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, name, type: "datetime-local", step: 60 }));
  const element = form(
    { submitLabel: "Show", submit: (values) => apply(values) },
    h(
      "fieldset",
      { class: "filters" },
      h("legend", {}, "Filter"),
      select("audit-kind", "Kind", "kind", [["", "Any kind"], ...Object.entries(EVENT_WORDS)]),
      select("audit-actor", "Done by", "actorId", [["", "Anyone"], ...actors.map((actor) => [actor.id, `${actor.name} (${actor.email})`])]),
      when("audit-since", "From", "since"),
      when("audit-until", "Until", "until"),
    ),
  );
  const clear = safely(async () => {
    element.reset();
    await apply({});
  });
  element.querySelector(".actions").append(h("button", { type: "button", onclick: clear }, "Clear"));
  return element;
}

/** The AuditEventFilter for the form's values; local date-times become instants. */
function filterOf({ kind, actorId, since, until }) {
  const instant = (local) => new Date(local).toISOString();
  return {
    ...(kind && { kinds: [kind] }),
    ...(actorId && { actorId }),
    ...(since && { since: instant(since) }),
    ...(until && { until: instant(until) }),
  };
}

function eventItem(event) {
  const details = Object.entries(event.details).map(([key, value]) => `${key}: ${detailWords(value)}`);
  return h(
    "li",
    { tabIndex: -1 },
    timeElement(event.occurredAt),
    " ",
    h("strong", {}, EVENT_WORDS[event.kind] ?? event.kind),
    byWhom(event),
    event.target && event.target.id !== event.actor?.id && ` · about ${event.target.name}`,
    details.length > 0 && h("span", { class: "details" }, details.join(", ")),
  );
}

/** " by Ada Admin", " by API key ‘Nightly’ (twofa_key_ab12cd)", or nothing (anonymous). */
function byWhom(event) {
  if (event.actor) return ` by ${event.actor.name}`;
  if (event.apiKey) return ` by API key ‘${event.apiKey.name}’ (${event.apiKey.prefix})`;
  return null;
}

const detailWords = (value) => {
  if (value === null || value === undefined) return "none";
  if (Array.isArray(value)) return value.join(" + ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
};

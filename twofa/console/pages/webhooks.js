// Webhooks (administrators): the account's endpoints, each with how its deliveries go, and
// adding one, whose signing secret is shown once. One endpoint's page (webhook.js) tests,
// changes, rotates, disables and deletes it and shows its delivery log.
//
// Adding, changing, rotating and deleting need a recent authentication: api.js's mutate()
// opens the "confirm it is you" prompt (reauthenticate.js) when the server asks for it.

import { graphql, mutate, USER_ERRORS } from "../api.js";
import { timeElement } from "../format.js";
import { announce, checkboxes, field, form, h, heading } from "../forms.js";
import { reveal, shownOnce } from "../secret.js";

// What the console reads of an endpoint.
export const ENDPOINT = "id url description eventTypes enabled createdAt disabledAt failingSince secretRotatedUntil";

// An account has 20 endpoints at most: one page holds them all.
const ENDPOINTS = `query WebhookEndpoints {
  viewer { account { webhookEndpoints(first: 20) {
    edges { node { ${ENDPOINT} deliveries(first: 1) { edges { node { status createdAt } } } } }
  } } }
}`;

const CREATE = `mutation CreateWebhookEndpoint($url: String!, $eventTypes: [String!]!, $description: String) {
  createWebhookEndpoint(input: { url: $url, eventTypes: $eventTypes, description: $description }) {
    secret endpoint { id url } ${USER_ERRORS}
  }
}`;

// The event types an endpoint may receive (webhook.test is only sent by "Send test").
export const EVENT_TYPES = {
  "operator.invited": "An operator was invited, or invited again.",
  "operator.joined": "An invited operator accepted.",
  "operator.deactivated": "An operator was deactivated.",
  "operator.reactivated": "An operator was reactivated.",
  "operator.role_changed": "An operator's role changed.",
  "operator.locked_out": "Failed attempts locked an operator out for a while.",
  "two_factor.enabled": "An operator set up two-factor authentication.",
  "two_factor.disabled": "An operator turned two-factor authentication off.",
  "two_factor.reset": "An operator's two-factor authentication was reset.",
  "two_factor.recovery_code_used": "A recovery code was used to log in.",
  "two_factor.recovery_codes_regenerated": "An operator got new recovery codes.",
  "two_factor.compliance_changed": "An operator started or stopped needing to set up two-factor authentication.",
  "policy.account_default_changed": "The account's two-factor default changed.",
  "policy.operator_override_changed": "An operator's override was set or cleared.",
  "api_key.created": "An API key was created.",
  "api_key.revoked": "An API key was revoked.",
};

// Every WebhookDeliveryStatus of the schema, in words.
export const STATUS_WORDS = {
  PENDING: "Pending",
  SUCCEEDED: "Succeeded",
  FAILED: "Failed, to be tried again",
  GIVEN_UP: "Given up",
};

/** The event-type checkboxes (name "eventTypes"), `checked` ticked. */
export function eventCheckboxes(checked = []) {
  return checkboxes({
    legend: "Events to send",
    name: "eventTypes",
    hint: "Choose at least one. Each delivery's body names its type.",
    checked,
    options: Object.entries(EVENT_TYPES).map(([value, hint]) => ({ value, label: h("code", {}, value), hint })),
  });
}

/** The URL and description fields, filled with `endpoint`'s when changing one. */
export function endpointFields(endpoint = null) {
  return [
    field({
      label: "URL",
      name: "url",
      type: "url",
      hint: "Where events are POSTed: an https address on the public internet.",
      autocomplete: "off",
      required: true,
      value: endpoint?.url ?? "",
    }),
    field({ label: "Description", name: "description", hint: "Optional: what the endpoint is for.", autocomplete: "off", maxLength: 500, value: endpoint?.description ?? "" }),
  ];
}

export async function webhooksPage() {
  const list = h("div", {});
  const adding = h("div", {});
  const load = async () => {
    const { webhookEndpoints } = (await graphql(ENDPOINTS)).viewer.account;
    list.replaceChildren(endpointTable(webhookEndpoints.edges.map((edge) => edge.node)));
  };
  const showForm = () => adding.replaceChildren(addForm(adding, load, showForm));
  showForm();
  await load();
  return h(
    "section",
    {},
    heading("Webhooks"),
    h(
      "p",
      {},
      "Events of this account are POSTed to your endpoints as they happen, signed as the ",
      h("a", { href: "https://www.standardwebhooks.com/" }, "Standard Webhooks"),
      " specification says, so that your receiver can check they come from here. Failed deliveries are tried again for about a day.",
    ),
    h("h2", {}, "Endpoints"),
    list,
    h("h2", {}, "Add an endpoint"),
    adding,
  );
}

function endpointTable(endpoints) {
  if (!endpoints.length) return h("p", {}, "No endpoints yet.");
  const cell = (label, ...content) => h("td", { "data-label": label }, ...content);
  return h(
    "table",
    { class: "endpoints", "aria-label": "Endpoints" },
    h("thead", {}, h("tr", {}, ["URL", "Events", "State", "Latest delivery"].map((title) => h("th", { scope: "col" }, title)))),
    h(
      "tbody",
      {},
      endpoints.map((endpoint) => {
        const latest = endpoint.deliveries.edges[0]?.node;
        return h(
          "tr",
          {},
          cell(
            "URL",
            h("a", { class: "url", href: `#/webhooks/${encodeURIComponent(endpoint.id)}` }, endpoint.url),
            endpoint.description && h("p", { class: "hint" }, endpoint.description),
          ),
          cell("Events", endpoint.eventTypes.join(", ")),
          cell("State", endpointState(endpoint)),
          cell("Latest delivery", latest ? [STATUS_WORDS[latest.status], ", queued ", timeElement(latest.createdAt)] : "None yet"),
        );
      }),
    ),
  );
}

/** "Enabled", "Enabled, failing since …" or "Disabled since …". */
export function endpointState(endpoint) {
  if (!endpoint.enabled) return endpoint.disabledAt ? ["Disabled since ", timeElement(endpoint.disabledAt)] : "Disabled";
  if (endpoint.failingSince) return ["Enabled, failing since ", timeElement(endpoint.failingSince)];
  return "Enabled";
}

/** The form; once an endpoint is added, `slot` shows its signing secret instead until "Done". */
function addForm(slot, reload, showForm) {
  const done = () => {
    showForm();
    slot.querySelector("input").focus();
  };
  return form(
    {
      submitLabel: "Add endpoint",
      submit: async ({ url, description }, formElement) => {
        const eventTypes = new FormData(formElement).getAll("eventTypes");
        const result = await mutate(CREATE, { url, eventTypes, description: description || null });
        if (!result.secret) return result.userErrors;
        reveal(slot, signingSecret({ title: `Signing secret of ${result.endpoint.url}`, secret: result.secret, done }));
        announce("Endpoint added. Copy its signing secret now: you won't see it again.", "info", { shownNearby: true });
        await reload();
        return [];
      },
    },
    ...endpointFields(),
    eventCheckboxes(),
  );
}

/** The shown-once panel of a signing secret; `more` says more about it. */
export function signingSecret({ title, secret, more = "", done }) {
  return shownOnce({
    title,
    label: "Signing secret",
    secret,
    note: `Your receiver checks each delivery's webhook-signature header with it, e.g. with a standardwebhooks library. ${more}`,
    done,
  });
}

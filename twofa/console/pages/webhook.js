// One webhook endpoint (administrators): where it stands, "Send test", a new signing secret
// (shown once; the old one keeps signing beside it for 24 hours), disabling and enabling,
// deleting (after confirming), changing its URL, description and events, and its
// delivery log (deliveries.js).

import { actionArea, askFirst } from "../actions.js";
import { graphql, mutate, USER_ERRORS } from "../api.js";
import { formatTime, timeElement } from "../format.js";
import { announce, form, h, heading, safely } from "../forms.js";
import { navigate } from "../router.js";
import { reveal } from "../secret.js";
import { deliveryLog } from "./deliveries.js";
import { ENDPOINT, endpointFields, endpointState, eventCheckboxes, signingSecret } from "./webhooks.js";

const READ = `query WebhookEndpoint($id: ID!) { node(id: $id) { ... on WebhookEndpoint { ${ENDPOINT} } } }`;

const endpointMutation = (field, selection, variables = "", input = "") =>
  `mutation ($endpointId: ID!${variables}) {
  ${field}(input: { endpointId: $endpointId${input} }) { ${selection} ${USER_ERRORS} }
}`;

const SEND_TEST = endpointMutation("sendTestWebhook", "delivery { id }");
const ROTATE = endpointMutation("rotateWebhookSecret", "secret endpoint { secretRotatedUntil }");
const DELETE = endpointMutation("deleteWebhookEndpoint", "deletedEndpointId");
const UPDATE = endpointMutation(
  "updateWebhookEndpoint",
  "endpoint { id }",
  ", $url: String, $description: String, $eventTypes: [String!], $enabled: Boolean",
  ", url: $url, description: $description, eventTypes: $eventTypes, enabled: $enabled",
);

export async function webhookPage({ id }) {
  const endpoint = (await graphql(READ, { id })).node;
  const back = h("p", {}, h("a", { href: "#/webhooks" }, "← Webhooks"));
  if (!endpoint?.url) return h("section", {}, back, heading("Endpoint not found"), h("p", {}, "It may have been deleted."));
  const reload = (notice) => navigate(`/webhooks/${encodeURIComponent(id)}`, notice);
  const log = await deliveryLog(id);
  const secretSlot = h("div", {});
  const area = actionArea();

  const sendTest = safely(async () => {
    if (!(await area.run(() => mutate(SEND_TEST, { endpointId: id })))) return;
    await log.refresh();
    announce("A webhook.test event is queued: follow it in the deliveries below.");
  });
  const setEnabled = (enabled) =>
    safely(async () => {
      if (!(await area.run(() => mutate(UPDATE, { endpointId: id, enabled })))) return;
      reload(enabled ? "Enabled: events are sent to it again, its earlier failures forgotten." : "Disabled: nothing is sent to it until it is enabled again.");
    });
  const rotate = async () => {
    const result = await area.run(() => mutate(ROTATE, { endpointId: id }));
    showButtons();
    if (!result) return;
    const until = result.endpoint.secretRotatedUntil;
    const more = `Until ${formatTime(until)} the old secret keeps signing beside this one (two v1 signatures on each delivery): switch your receiver to this one before then.`;
    reveal(secretSlot, signingSecret({ title: "New signing secret", secret: result.secret, more, done: () => reload() }));
    announce("New signing secret made. Copy it now: you won't see it again.", "info", { shownNearby: true });
  };
  const remove = async () => {
    if (await area.run(() => mutate(DELETE, { endpointId: id }))) navigate("/webhooks", `The endpoint ${endpoint.url} was deleted.`);
    else showButtons();
  };
  const confirm = (options) => () =>
    askFirst(area, {
      ...options,
      restore: () => {
        showButtons();
        area.buttons.querySelector("button").focus();
      },
    });
  function showButtons() {
    area.buttons.replaceChildren(
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "primary", onclick: sendTest, disabled: !endpoint.enabled }, "Send test"),
        h(
          "button",
          {
            type: "button",
            onclick: confirm({
              label: "Confirm new secret",
              question: "Make a new signing secret? The old one keeps signing beside it for 24 hours, then stops.",
              yes: "Yes, make a new secret",
              action: rotate,
            }),
          },
          "Rotate secret",
        ),
        h("button", { type: "button", onclick: setEnabled(!endpoint.enabled) }, endpoint.enabled ? "Disable" : "Enable"),
        h(
          "button",
          {
            type: "button",
            onclick: confirm({
              label: "Confirm deletion",
              question: `Delete ${endpoint.url} and its delivery log? Nothing more is sent to it.`,
              yes: "Yes, delete",
              action: remove,
            }),
          },
          "Delete",
        ),
      ),
    );
  }
  showButtons();

  return h(
    "section",
    {},
    back,
    heading("Webhook endpoint"),
    h("p", { class: "url" }, h("code", {}, endpoint.url)),
    endpoint.description && h("p", {}, endpoint.description),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "State"),
      h("dd", {}, endpointState(endpoint)),
      h("dt", {}, "Added"),
      h("dd", {}, timeElement(endpoint.createdAt)),
      endpoint.secretRotatedUntil && h("dt", {}, "Old secret signs until"),
      endpoint.secretRotatedUntil && h("dd", {}, timeElement(endpoint.secretRotatedUntil)),
      h("dt", {}, "Events"),
      h("dd", {}, endpoint.eventTypes.join(", ")),
    ),
    !endpoint.enabled && h("p", { class: "hint" }, "Enable it to send a test."),
    area.element,
    secretSlot,
    log.element,
    h("h2", {}, "Change the endpoint"),
    form(
      {
        submitLabel: "Save",
        submit: async ({ url, description }, formElement) => {
          const eventTypes = new FormData(formElement).getAll("eventTypes");
          const result = await mutate(UPDATE, { endpointId: id, url, description, eventTypes });
          if (result.endpoint) reload("Saved.");
          return result.userErrors;
        },
      },
      ...endpointFields(endpoint),
      eventCheckboxes(endpoint.eventTypes),
    ),
  );
}

// One webhook endpoint's delivery log: the newest deliveries with where each stands, how
// often it was tried and what the endpoint answered, "Redeliver" for each and "Refresh".
// While a delivery waits for its first try the log reads itself again every 2 seconds
// (the server's sender looks for work about once a second), until none waits or the page
// is left.

import { actionArea } from "../actions.js";
import { graphql, mutate, USER_ERRORS } from "../api.js";
import { timeElement } from "../format.js";
import { announce, h, safely, uid } from "../forms.js";
import { STATUS_WORDS } from "./webhooks.js";

const PAGE_SIZE = 20;
const POLL_MS = 2000;

const DELIVERIES = `query WebhookDeliveries($id: ID!) {
  node(id: $id) { ... on WebhookEndpoint { deliveries(first: ${PAGE_SIZE}) {
    pageInfo { hasNextPage }
    edges { node { id eventType eventId status attempts lastAttemptAt nextAttemptAt responseStatus lastError createdAt } }
  } } }
}`;

const REDELIVER = `mutation RedeliverWebhook($deliveryId: ID!) {
  redeliverWebhook(input: { deliveryId: $deliveryId }) { delivery { id } ${USER_ERRORS} }
}`;

/** The log's section, filled; `refresh()` reads it again (after "Send test", say). */
export async function deliveryLog(endpointId) {
  const titleId = uid("deliveries");
  const count = h("p", { class: "count", tabIndex: -1 });
  const table = h("div", {});
  const area = actionArea();
  let timer = null;

  const load = async () => {
    clearTimeout(timer);
    const connection = (await graphql(DELIVERIES, { id: endpointId })).node?.deliveries;
    const deliveries = connection?.edges.map((edge) => edge.node) ?? [];
    const shown = deliveries.length === 1 ? "1 delivery" : `${deliveries.length} deliveries`;
    const older = connection?.pageInfo.hasNextPage ? ", the newest shown" : "";
    count.textContent = deliveries.length ? `${shown}${older}.` : "Nothing sent yet.";
    table.replaceChildren(deliveries.length ? deliveryTable(deliveries, titleId, redeliver) : "");
    if (deliveries.some((delivery) => delivery.status === "PENDING")) timer = setTimeout(poll, POLL_MS);
  };
  const poll = async () => {
    if (!element.isConnected) return; // the page was left or drawn again
    try {
      await load();
    } catch {
      // A failed poll is not the operator's doing: the next Refresh will tell.
    }
  };
  const redeliver = async (delivery) => {
    const result = await area.run(() => mutate(REDELIVER, { deliveryId: delivery.id }));
    if (!result) return;
    await load();
    count.focus();
    announce(`The ${delivery.eventType} event is queued again, as a new delivery.`);
  };

  const refresh = safely(async () => {
    await load();
    announce("The delivery log is up to date.");
  });
  area.buttons.append(h("button", { type: "button", onclick: refresh }, "Refresh"));
  const element = h("div", {}, h("h2", { id: titleId }, "Deliveries"), count, area.element, table);
  await load();
  return { element, refresh: load };
}

function deliveryTable(deliveries, titleId, redeliver) {
  const cell = (label, ...content) => h("td", { "data-label": label }, ...content);
  return h(
    "table",
    { class: "deliveries", "aria-labelledby": titleId },
    h("thead", {}, h("tr", {}, ["Event", "Status", "Tried", "Next try", "Answer", "Actions"].map((title) => h("th", { scope: "col" }, title)))),
    h(
      "tbody",
      {},
      deliveries.map((delivery) => {
        const eventId = uid("delivery");
        return h(
          "tr",
          {},
          cell(
            "Event",
            h("code", { id: eventId }, delivery.eventType),
            h("p", { class: "hint" }, "Queued ", timeElement(delivery.createdAt), h("br"), delivery.eventId),
          ),
          cell("Status", h("span", { class: `delivery-status ${delivery.status.toLowerCase()}` }, STATUS_WORDS[delivery.status] ?? delivery.status)),
          cell("Tried", tried(delivery)),
          cell("Next try", delivery.nextAttemptAt ? timeElement(delivery.nextAttemptAt) : "—"),
          cell("Answer", answer(delivery)),
          cell("Actions", h("button", { type: "button", "aria-describedby": eventId, onclick: safely(() => redeliver(delivery)) }, "Redeliver")),
        );
      }),
    ),
  );
}

/** "Not yet", "Once, 7 December 2026 at 14:32:05" or "3 times, last 7 December …". */
function tried(delivery) {
  if (!delivery.attempts) return "Not yet";
  const times = delivery.attempts === 1 ? "Once" : `${delivery.attempts} times`;
  if (!delivery.lastAttemptAt) return times;
  return [times, delivery.attempts === 1 ? ", " : ", last ", timeElement(delivery.lastAttemptAt)];
}

/** What the endpoint answered: "HTTP 204", or why the last try failed. */
function answer(delivery) {
  const status = delivery.responseStatus !== null && `HTTP ${delivery.responseStatus}`;
  if (!delivery.lastError) return status || "—";
  return [status && `${status}: `, delivery.lastError];
}

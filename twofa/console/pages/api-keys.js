// API keys (administrators): create one with a name, scopes and a lifetime and see its
// secret once; list the keys with what they may do and when they were last used; revoke
// one. Creating and revoking need a recent authentication: api.js's mutate() opens the
// "confirm it is you" prompt (reauthenticate.js) when the server asks for it, then retries.

import { actionArea, askFirst } from "../actions.js";
import { graphql, mutate, USER_ERRORS } from "../api.js";
import { timeElement } from "../format.js";
import { announce, checkboxes, field, form, h, heading, safely, uid } from "../forms.js";
import { reveal, shownOnce } from "../secret.js";

const PAGE_SIZE = 20;

const KEY = "id name scopes prefix createdAt expiresAt lastUsedAt lastUsedAddress revokedAt createdBy { name }";

const KEYS = `query ApiKeys($after: String) {
  viewer { account { apiKeys(first: ${PAGE_SIZE}, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { ${KEY} } }
  } } }
}`;

const CREATE = `mutation CreateApiKey($name: String!, $scopes: [ApiKeyScope!]!, $expiresInDays: Int) {
  createApiKey(input: { name: $name, scopes: $scopes, expiresInDays: $expiresInDays }) {
    secret apiKey { name } ${USER_ERRORS}
  }
}`;

const REVOKE = `mutation RevokeApiKey($apiKeyId: ID!) {
  revokeApiKey(input: { apiKeyId: $apiKeyId }) { apiKey { revokedAt } ${USER_ERRORS} }
}`;

// Every ApiKeyScope of the schema, in its order.
const SCOPES = {
  READ_OPERATORS: {
    label: "Read operators",
    hint: "Operators, their policies and statuses, their sessions' metadata and the two-factor summary.",
  },
  READ_AUDIT_LOG: { label: "Read the audit log", hint: "Every event of the account's audit log." },
  MANAGE_OPERATORS: {
    label: "Manage operators",
    hint: "Invite, send invitations again or withdraw them, change roles, deactivate and reactivate, unlock, end an operator's sessions.",
  },
  MANAGE_TWO_FACTOR_POLICY: {
    label: "Manage two-factor policy",
    hint: "Set the account default and overrides, reset an operator's two-factor authentication.",
  },
};

export async function apiKeysPage() {
  const listTitle = h("h2", { id: "api-keys-title", tabIndex: -1 }, "Keys");
  const list = h("ul", { class: "keys", "aria-labelledby": "api-keys-title" });
  const more = h("button", { type: "button", onclick: safely(() => load({ focus: true })) }, "More");
  const creating = h("div", {});

  // Newest first; "More" appends older keys. After a change the list starts again.
  let after = null;
  const load = async ({ focus = false } = {}) => {
    const { apiKeys } = (await graphql(KEYS, { after })).viewer.account;
    if (!after) list.replaceChildren();
    const items = apiKeys.edges.map(({ node }) => keyItem(node, refresh));
    list.append(...items);
    if (!list.children.length) list.append(h("li", {}, "No keys yet."));
    after = apiKeys.pageInfo.endCursor;
    more.hidden = !apiKeys.pageInfo.hasNextPage;
    if (focus) items[0]?.focus();
  };
  const refresh = async () => {
    after = null;
    await load();
  };

  const showForm = () => creating.replaceChildren(createForm(creating, refresh));
  showForm();
  await load();
  return h(
    "section",
    {},
    heading("API keys"),
    h(
      "p",
      {},
      "A key lets a program (a dashboard's back end, a script) use the API for this account without a person. ",
      "It sends the key as ",
      h("code", {}, "Authorization: Bearer <key>"),
      " and may do only what the key's scopes allow. A key never creates keys or webhooks, changes a password or enrolls.",
    ),
    h("h2", {}, "Create a key"),
    creating,
    listTitle,
    list,
    h("div", { class: "actions" }, more),
  );
}

/** The form; once a key is made, `slot` shows its secret instead until "Done". */
function createForm(slot, refresh) {
  const done = () => {
    slot.replaceChildren(createForm(slot, refresh));
    slot.querySelector("input").focus();
  };
  return form(
    {
      submitLabel: "Create key",
      submit: async ({ name, expiresInDays }, formElement) => {
        const scopes = new FormData(formElement).getAll("scopes");
        const days = expiresInDays.trim() ? Number(expiresInDays) : null;
        const result = await mutate(CREATE, { name, scopes, expiresInDays: days });
        if (!result.secret) return result.userErrors;
        reveal(
          slot,
          shownOnce({
            title: `The key ‘${result.apiKey.name}’`,
            label: "API key",
            secret: result.secret,
            note: "Only a digest of it is kept here. If it is lost, create a new key and revoke this one.",
            done,
          }),
        );
        announce(`Key ‘${result.apiKey.name}’ created. Copy it now: you won't see it again.`, "info", { shownNearby: true });
        await refresh();
        return [];
      },
    },
    field({ label: "Name", name: "name", hint: "What the key is for, e.g. “Nightly compliance report”.", autocomplete: "off", required: true, maxLength: 200 }),
    checkboxes({
      legend: "Scopes",
      name: "scopes",
      hint: "What the key may do; choose at least one.",
      options: Object.entries(SCOPES).map(([value, { label, hint }]) => ({ value, label: [label, " ", h("code", {}, value)], hint })),
    }),
    field({
      label: "Expires in (days)",
      name: "expiresInDays",
      type: "number",
      hint: "1 to 365 days; the key is refused after that. Left empty: 90 days.",
      min: 1,
      max: 365,
      step: 1,
      inputMode: "numeric",
      value: "90",
    }),
  );
}

/** One key: its name and prefix, what it may do, its dates, and Revoke while it works. */
function keyItem(key, refresh) {
  const nameId = uid("key");
  const expired = !key.revokedAt && new Date(key.expiresAt) <= new Date();
  const area = actionArea();
  const revoke = async () => {
    const result = await area.run(() => mutate(REVOKE, { apiKeyId: key.id }));
    if (!result) return showButton();
    await refresh();
    document.getElementById("api-keys-title")?.focus();
    announce(`The key ‘${key.name}’ is revoked: programs using it are refused from now on.`);
  };
  function showButton() {
    area.buttons.replaceChildren(
      h(
        "button",
        {
          type: "button",
          "aria-describedby": nameId,
          onclick: () =>
            askFirst(area, {
              label: "Confirm revocation",
              question: `Revoke the key ‘${key.name}’? Programs using it are refused from their next request.`,
              yes: "Yes, revoke",
              action: revoke,
              restore: () => {
                showButton();
                area.buttons.querySelector("button").focus();
              },
            }),
        },
        "Revoke",
      ),
    );
  }
  if (!key.revokedAt) showButton();
  const scopes = key.scopes.map((scope) => SCOPES[scope]?.label ?? scope);
  return h(
    "li",
    { tabIndex: -1 },
    h(
      "p",
      { class: "title" },
      h("strong", { id: nameId }, key.name),
      " ",
      h("code", {}, `${key.prefix}…`),
      key.revokedAt && h("span", { class: "badge" }, "Revoked"),
      expired && h("span", { class: "badge" }, "Expired"),
    ),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Scopes"),
      h("dd", {}, scopes.join(", ")),
      h("dt", {}, "Created"),
      h("dd", {}, timeElement(key.createdAt), key.createdBy && ` by ${key.createdBy.name}`),
      h("dt", {}, expired ? "Expired" : "Expires"),
      h("dd", {}, timeElement(key.expiresAt)),
      h("dt", {}, "Last used"),
      h("dd", {}, key.lastUsedAt ? [timeElement(key.lastUsedAt), key.lastUsedAddress && ` from ${key.lastUsedAddress}`] : "Never"),
      key.revokedAt && h("dt", {}, "Revoked"),
      key.revokedAt && h("dd", {}, timeElement(key.revokedAt)),
    ),
    area.element,
  );
}

// The GraphQL client: one POST to /graphql per call, JSON in and out.
//
// The session token lives in sessionStorage: it survives a reload but not closing the
// tab, and other tabs do not share it. It travels as `Authorization: Bearer <token>`;
// the API uses no cookies.

const TOKEN_KEY = "twofa.sessionToken";

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** A top-level GraphQL error (e.g. UNAUTHENTICATED, FORBIDDEN) or a network failure. */
export class ApiError extends Error {
  constructor(message, code, argument = null) {
    super(message);
    this.code = code;
    /** The query argument the error is about (`extensions.argument`), if it names one. */
    this.argument = argument;
  }
}

/**
 * Run a query or mutation and return its `data`.
 *
 * Expected failures of mutations are not thrown: they come back as data, in each
 * payload's `userErrors`. Only top-level errors throw. A missing or expired session
 * throws UNAUTHENTICATED and fires the `twofa:unauthenticated` event, on which the
 * console goes back to the login page.
 */
export async function graphql(query, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  let body;
  try {
    const response = await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
    body = await response.json();
  } catch {
    throw new ApiError("The server could not be reached. Check your connection and try again.", "NETWORK");
  }
  const error = body.errors?.[0];
  if (error) {
    const code = error.extensions?.code;
    if (code === "UNAUTHENTICATED") {
      session.clear();
      window.dispatchEvent(new Event("twofa:unauthenticated"));
    }
    throw new ApiError(error.message, code, error.extensions?.argument ?? null);
  }
  return body.data;
}

/**
 * Run a mutation and return its one payload (the first field of `data`).
 *
 * Sensitive mutations answer REAUTHENTICATION_REQUIRED when the session proved who the
 * operator is too long ago. Then the prompt registered with onReauthenticationRequired
 * (reauthenticate.js) asks for the password (and a code) and, once the session is
 * renewed, the mutation runs once more. Cancelled, the payload comes back as it was.
 */
export async function mutate(query, variables) {
  const payload = await firstField(query, variables);
  if (!needsReauthentication(payload) || !reauthenticationPrompt) return payload;
  return (await reauthenticationPrompt()) ? firstField(query, variables) : payload;
}

let reauthenticationPrompt = null;

/** Register `prompt()`: it renews the session's authentication and resolves true, or false if cancelled. */
export function onReauthenticationRequired(prompt) {
  reauthenticationPrompt = prompt;
}

async function firstField(query, variables) {
  const data = await graphql(query, variables);
  return Object.values(data)[0];
}

const needsReauthentication = (payload) => payload?.userErrors?.some((error) => error.code === "REAUTHENTICATION_REQUIRED");

// Every payload asks for the same error fields.
export const USER_ERRORS = "userErrors { code field message lockedUntil }";

// A mutation whose input is one operator's id, e.g. operatorMutation("unlockOperator",
// "operator { lockedUntil }"), with the extra input fields and their variables given.
export const operatorMutation = (field, selection, variables = "", input = "") =>
  `mutation ($operatorId: ID!${variables}) {
  ${field}(input: { operatorId: $operatorId${input} }) { ${selection} ${USER_ERRORS} }
}`;

// What the console shows about any operator's two-factor policy.
export const POLICY = `effectiveTwoFactorPolicy {
  mode source accountDefault override state setupRequired canEnroll codeRequiredAtLogin setupDeadline compliance
}`;

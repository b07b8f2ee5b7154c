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
  constructor(message, code) {
    super(message);
    this.code = code;
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
    throw new ApiError(error.message, code);
  }
  return body.data;
}

/** Run a mutation and return its one payload (the first field of `data`). */
export async function mutate(query, variables) {
  const data = await graphql(query, variables);
  return Object.values(data)[0];
}

// Every payload asks for the same error fields.
export const USER_ERRORS = "userErrors { code field message lockedUntil }";

// What the console shows about any operator's two-factor policy.
export const POLICY = `effectiveTwoFactorPolicy {
  mode source accountDefault override state setupRequired canEnroll codeRequiredAtLogin
}`;

// A tiny hash router: "#/operators/abc" runs the page registered for "/operators/:id"
// with { id: "abc" }. Hash routes need no server support beyond serving index.html.

const routes = [];
let pendingNotice = "";
let onRoute = () => {};

/** Register `render(params)` for a pattern such as "/operators/:id". */
export function route(pattern, render) {
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (_, name) => {
    names.push(name);
    return "([^/]+)";
  });
  routes.push({ regex: new RegExp(`^${source}$`), names, render });
}

/** Go to a hash path; `notice` is announced once the new page is shown. */
export function navigate(path, notice = "") {
  pendingNotice = notice;
  if (location.hash === `#${path}`) dispatch();
  else location.hash = path;
}

/** The notice passed to the last navigate(), handed out once. */
export function takeNotice() {
  const notice = pendingNotice;
  pendingNotice = "";
  return notice;
}

/** Start routing; `handler(render, params, path)` runs every page (see main.js). */
export function start(handler) {
  onRoute = handler;
  window.addEventListener("hashchange", dispatch);
  dispatch();
}

function dispatch() {
  const path = location.hash.slice(1) || "/";
  for (const { regex, names, render } of routes) {
    const match = regex.exec(path);
    if (match) {
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
      onRoute(render, params, path);
      return;
    }
  }
  navigate("/");
}

/**
 * Read the token of an email link (/two-factor/setup?token=…, /invitations/accept?token=…
 * or /password/reset?token=…) and take it out of the address bar and the history at once,
 * so that it is not left behind in the browser. The token is kept in memory only.
 */
export function takeLinkToken() {
  const token = new URLSearchParams(location.search).get("token");
  const kinds = { "/two-factor/setup": "/setup-link", "/invitations/accept": "/invitation", "/password/reset": "/password-reset" };
  const target = kinds[location.pathname];
  if (target === undefined) return null;
  history.replaceState(null, "", `/#${target}`);
  return token;
}

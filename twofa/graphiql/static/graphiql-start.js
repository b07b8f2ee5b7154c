// Starts GraphiQL on twofa's /graphql endpoint. It is a file rather than an inline script
// so that the page runs under `script-src 'self'`.
"use strict";

(function start() {
  // react-remove-scroll (GraphiQL's dialogs) inserts <style> elements and marks them with
  // __webpack_nonce__ when it is defined: the page's CSP allows this response's nonce.
  window.__webpack_nonce__ = document.querySelector('meta[property="csp-nonce"]').nonce;

  const endpoint = window.location.origin + window.location.pathname;
  const defaultQuery = [
    "# twofa's GraphQL API. Most fields need a session: put one in the Headers tab",
    '# below as {"Authorization": "Bearer <session token>"}.',
    "# Run a query with Ctrl-Enter or the run button.",
    "",
    "{",
    "  viewer {",
    "    email",
    "  }",
    "}",
    "",
  ].join("\n");

  // GraphiQL's history and favourites keep each query's headers in localStorage even when
  // shouldPersistHeaders is false (seen with GraphiQL 4.1.2): drop them on the way in.
  const storage = {
    getItem: (key) => window.localStorage.getItem(key),
    setItem: (key, value) => window.localStorage.setItem(key, withoutHeaders(key, value)),
    removeItem: (key) => window.localStorage.removeItem(key),
    clear: () => window.localStorage.clear(),
    get length() {
      return window.localStorage.length;
    },
  };

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: endpoint }),
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      defaultQuery: defaultQuery,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      // Headers hold session tokens: never written to the browser's storage.
      shouldPersistHeaders: false,
      storage: storage,
    }),
  );
})();

// A stored list of queries ({"queries": [{query, headers, ...}]}) without their headers.
function withoutHeaders(key, value) {
  if (!/:(queries|favorites)$/.test(key)) {
    return value;
  }
  const stored = JSON.parse(value);
  for (const list of Object.values(stored)) {
    for (const item of list) {
      delete item.headers;
    }
  }
  return JSON.stringify(stored);
}

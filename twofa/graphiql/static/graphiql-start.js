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

  // Queries and variables carry passwords, codes and tokens as often as headers do, and
  // GraphiQL writes its tabs, history and favourites (headers too, seen with 4.1.2 even when
  // shouldPersistHeaders is false) to its storage: keep all of it in memory, so nothing
  // typed here outlives the page.
  const kept = new Map();
  const storage = {
    getItem: (key) => (kept.has(key) ? kept.get(key) : null),
    setItem: (key, value) => {
      kept.set(key, String(value));
    },
    removeItem: (key) => {
      kept.delete(key);
    },
    clear: () => {
      kept.clear();
    },
    get length() {
      return kept.size;
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

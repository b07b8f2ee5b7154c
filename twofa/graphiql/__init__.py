"""GraphiQL for browsers at ``GET /graphql``, served entirely by twofa.

The page (``index.html``) and its start-up script (``static/graphiql-start.js``) are
twofa's; React, ReactDOM, GraphiQL and its explorer plugin are vendored from the npm
registry at the versions pinned in ``vendor.json`` (with their licences in ``licenses/``),
and ``python -m twofa.graphiql.vendor`` re-fetches and checks them.
"""

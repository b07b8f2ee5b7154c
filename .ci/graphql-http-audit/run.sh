#!/usr/bin/env bash
# Starts twofa on a free port with a throw-away SQLite file and runs graphql-http's audit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
(cd "$here" && npm ci --no-audit --no-fund --silent)
work="$(mktemp -d)"
port="$("$root/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DATABASE_URL="sqlite://$work/audit.sqlite3" "$root/.venv/bin/twofa" serve --port "$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
"$root/.ci/wait-healthy" "http://127.0.0.1:$port" "$server" "$work/server.log"
node "$here/audit.mjs" "http://127.0.0.1:$port/graphql"

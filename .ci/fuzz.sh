#!/usr/bin/env bash
# Property-based fuzzing of the GraphQL API with schemathesis against a running server,
# anonymously and as an administrator, with a fixed seed and a bounded number of examples.
# Fails on any server error: a 5xx, or a GraphQL error raised inside a resolver.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.venv/bin"
work="$(mktemp -d)"
port="$("$bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DATABASE_URL="sqlite://$work/fuzz.sqlite3"
password="fuzzing password 2026"
"$bin/twofa" migrate >/dev/null 2>&1
"$bin/twofa" create-account --name Fuzz --admin-email admin@fuzz.example --admin-password "$password" >/dev/null 2>&1
"$bin/twofa" serve --port "$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
"$root/.ci/wait-healthy" "http://127.0.0.1:$port" "$server" "$work/server.log"
token="$(curl -fsS "http://127.0.0.1:$port/graphql" -H 'Content-Type: application/json' \
  -d "{\"query\": \"mutation { login(input: {email: \\\"admin@fuzz.example\\\", password: \\\"$password\\\"}) { sessionToken } }\"}" \
  | "$bin/python" -c 'import json, sys; print(json.load(sys.stdin)["data"]["login"]["sessionToken"])')"
export SCHEMATHESIS_HOOKS=fuzz_checks PYTHONPATH="$root/.ci${PYTHONPATH:+:$PYTHONPATH}"
common=(--checks no_server_error --max-examples "${FUZZ_EXAMPLES:-20}" --seed 20261129 --workers 1)
echo "== fuzzing anonymously"
"$bin/schemathesis" run "http://127.0.0.1:$port/graphql" "${common[@]}"
echo "== fuzzing as an administrator (logout left out so that the session lives on)"
"$bin/schemathesis" run "http://127.0.0.1:$port/graphql" "${common[@]}" \
  --exclude-name "Mutation.logout" -H "Authorization: Bearer $token"
if grep -q "Traceback" "$work/server.log"; then
  echo "the server logged a traceback:"
  grep -B2 -A20 "Traceback" "$work/server.log" | head -60 || true
  exit 1
fi

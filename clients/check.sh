#!/usr/bin/env bash
# Generates the Python (ariadne-codegen) and TypeScript (graphql-codegen client preset)
# clients from the checked-in schema.graphql and the operations in operations/, then
# imports and type-checks the Python one (mypy, strict) and compiles the TypeScript one
# (tsc, strict). Fails when a schema change breaks either: `make clients`. It also runs the
# README's webhook receivers (webhook_receiver.py, webhook-receiver.ts) against deliveries
# signed with the same language's standardwebhooks library.
# The generators keep to their own environments (.venv-clients, node_modules); the
# generated code goes to generated/ folders that git ignores.
# `check.sh python` or `check.sh typescript` checks one; without an argument, both.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

# Starts a webhook receiver ("$@" PORT) on a free loopback port with a fresh secret, for a
# sender that reads $RECEIVER_URL and $TWOFA_WEBHOOK_SECRET. When the check ends the receiver
# is stopped, and if the check failed, what it printed is shown.
start_receiver() {
  local port
  port="$("${PYTHON:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  export RECEIVER_URL="http://127.0.0.1:$port/"
  TWOFA_WEBHOOK_SECRET="whsec_$(head -c 32 /dev/urandom | base64)"
  export TWOFA_WEBHOOK_SECRET
  receiver_log="$PWD/generated/webhook-receiver.log"
  "$@" "$port" </dev/null >"$receiver_log" 2>&1 &
  receiver_pid=$!
  trap 'status=$?; kill "$receiver_pid" 2>/dev/null || true; [ $status -eq 0 ] || sed "s/^/receiver: /" "$receiver_log"' EXIT
}

# README.md shows each webhook receiver whole, for copying: it must be the file as it is.
in_readme() {
  if ! "${PYTHON:-python3}" -c 'import sys; sys.exit(open(sys.argv[1]).read() not in open(sys.argv[2]).read())' "$1" "$root/README.md"; then
    echo "README.md does not show $1 as it is"
    return 1
  fi
}

# After the sender: the receiver printed the delivery it accepted (and only that one).
receiver_printed() {
  if [ "$(grep -c '^msg_check' "$receiver_log")" != 1 ] || ! grep -qx "$1" "$receiver_log"; then
    echo "the webhook receiver did not print: $1"
    return 1
  fi
}

python_client() {
  local venv="$root/.venv-clients"
  if [ ! -f "$venv/.installed-stamp" ] || [ "$here/python/requirements.txt" -nt "$venv/.installed-stamp" ]; then
    rm -rf "$venv"
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/python/requirements.txt"
    touch "$venv/.installed-stamp"
  fi
  cd "$here/python"
  rm -rf generated && mkdir generated
  if ! "$venv/bin/ariadne-codegen" --config pyproject.toml >generated/codegen.log 2>&1; then
    tail -n 1 generated/codegen.log
    echo "(whole output: clients/python/generated/codegen.log)"
    return 1
  fi
  PYTHONPATH=generated "$venv/bin/python" -c 'import twofa_client'
  "$venv/bin/mypy" --no-error-summary
  # A delivery signed during a rotation (another secret's signature, then this one's) gets
  # 204, one signed with another secret only 400; the sender waits until the port answers.
  in_readme webhook_receiver.py
  start_receiver "$venv/bin/python" webhook_receiver.py
  "$venv/bin/python" - <<'EOF'
import base64, json, os, time, urllib.error, urllib.request
from datetime import datetime, timezone
from standardwebhooks.webhooks import Webhook

now = datetime.now(timezone.utc)
data = {"operator": {"id": "T3BlcmF0b3I6MQ=="}}
body = json.dumps({"type": "webhook.test", "timestamp": now.isoformat(), "data": data})
ours = Webhook(os.environ["TWOFA_WEBHOOK_SECRET"]).sign("msg_check", now, body)
other = Webhook(base64.b64encode(os.urandom(32)).decode()).sign("msg_check", now, body)

def post(signature):
    timestamp = str(int(now.timestamp()))
    headers = {"webhook-id": "msg_check", "webhook-timestamp": timestamp, "webhook-signature": signature}
    request = urllib.request.Request(os.environ["RECEIVER_URL"], body.encode(), headers)
    for _ in range(100):
        try:
            return urllib.request.urlopen(request, timeout=10).status
        except urllib.error.HTTPError as error:
            return error.code
        except urllib.error.URLError:
            time.sleep(0.1)
    raise SystemExit("the webhook receiver did not start")

statuses = (post(f"{other} {ours}"), post(other))
if statuses != (204, 400):
    raise SystemExit(f"the webhook receiver answered {statuses}, not (204, 400)")
EOF
  receiver_printed "msg_check webhook.test T3BlcmF0b3I6MQ=="
  echo "python client: generated, imported, example.py and webhook_receiver.py type-checked, the receiver run"
}

typescript_client() {
  cd "$here/typescript"
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  rm -rf generated && mkdir generated
  if ! npx --no-install graphql-codegen --config codegen.ts >generated/codegen.log 2>&1; then
    grep -E -A3 "FAILED|rror" generated/codegen.log
    echo "(whole output: clients/typescript/generated/codegen.log)"
    return 1
  fi
  # Type-checks example.ts and webhook-receiver.ts, and writes the JavaScript node runs.
  npx --no-install tsc -p . --noEmit false --outDir generated/js
  # The manifest the client preset wrote is what PERSISTED_DOCUMENTS would load.
  "$root/.venv/bin/twofa" check-documents generated/gql/persisted-documents.json
  # As for Python: 204 for a delivery signed during a rotation, 400 for another secret's.
  in_readme webhook-receiver.ts
  start_receiver node generated/js/webhook-receiver.js
  node --input-type=module <<'EOF'
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

const now = new Date();
const data = { operator: { id: "T3BlcmF0b3I6MQ==" } };
const body = JSON.stringify({ type: "webhook.test", timestamp: now.toISOString(), data });
const ours = new Webhook(process.env.TWOFA_WEBHOOK_SECRET).sign("msg_check", now, body);
const other = new Webhook(randomBytes(32).toString("base64")).sign("msg_check", now, body);

async function post(signature) {
  const headers = {
    "webhook-id": "msg_check",
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": signature,
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const response = await fetch(process.env.RECEIVER_URL, { method: "POST", headers, body });
      return response.status;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error("the webhook receiver did not start");
}

const statuses = [await post(`${other} ${ours}`), await post(other)];
if (statuses.join() !== "204,400") {
  throw new Error(`the webhook receiver answered ${statuses}, not 204,400`);
}
EOF
  receiver_printed "msg_check webhook.test T3BlcmF0b3I6MQ=="
  echo "typescript client: generated, example.ts and webhook-receiver.ts compiled, its persisted documents valid, the receiver run"
}

case "${1:-both}" in
  python) python_client ;;
  typescript) typescript_client ;;
  both)
    # The two halves run side by side (mostly downloads on a cold machine); each one's
    # output is shown whole once it ends.
    started=$SECONDS
    logs="$(mktemp -d)"
    trap 'rm -rf "$logs"' EXIT
    bash "$0" python >"$logs/python" 2>&1 &
    python_job=$!
    bash "$0" typescript >"$logs/typescript" 2>&1 &
    typescript_job=$!
    failed=()
    wait "$python_job" || failed+=(python)
    wait "$typescript_job" || failed+=(typescript)
    echo "-- Python client (ariadne-codegen)"
    cat "$logs/python"
    echo "-- TypeScript client (graphql-codegen client preset)"
    cat "$logs/typescript"
    if [ ${#failed[@]} -gt 0 ]; then
      echo "generated clients broken: ${failed[*]}" >&2
      exit 1
    fi
    echo "both clients checked in $((SECONDS - started)) s"
    ;;
  *)
    echo "usage: $0 [python|typescript]" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Generates the Python (ariadne-codegen) and TypeScript (graphql-codegen client preset)
# clients from the checked-in schema.graphql and the operations in operations/, then
# imports and type-checks the Python one (mypy, strict) and compiles the TypeScript one
# (tsc --noEmit, strict). Fails when a schema change breaks either: `make clients`.
# The generators keep to their own environments (.venv-clients, node_modules); the
# generated code goes to generated/ folders that git ignores.
# `check.sh python` or `check.sh typescript` checks one; without an argument, both.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

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
  echo "python client: generated, imported, example.py type-checked"
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
  npx --no-install tsc --noEmit -p .
  # The manifest the client preset wrote is what PERSISTED_DOCUMENTS would load.
  "$root/.venv/bin/twofa" check-documents generated/gql/persisted-documents.json
  echo "typescript client: generated, example.ts compiled, its persisted documents valid"
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

#!/usr/bin/env bash
# Starts localelements (the binary given, default target/debug/localelements)
# on a free port with an in-memory database, installs the published platform
# client when missing, and runs platform_sdk.js against the server with the
# credentials it gave it, twice in a row on the same server: a suite that
# creates an account with a fixed externalId, deletes it and creates it
# again must pass on every run, not only the first. Exit status: 0 when both
# runs pass.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:-target/debug/localelements}
modules_root=${PLATFORM_SDK_DIR:-"$here/node_modules-root"}
"$here/install.sh" "$modules_root" >/dev/null

log=$(mktemp)
NO_COLOR=1 "$binary" --listen 127.0.0.1:0 --database :memory: --fast-password-hashing \
  --org-secret compat-org-secret --user-secret compat-user-secret >"$log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -f "$log"' EXIT
url=
for _ in $(seq 300); do
  url=$(sed -n 's/^localelements is serving \(http:[^ ]*\) .*/\1/p' "$log")
  if [ -n "$url" ] && curl -fsS "$url/__admin/health" >/dev/null 2>&1; then break; fi
  url=
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "the server did not become ready:" >&2
  cat "$log" >&2
  exit 1
fi
for run in 1 2; do
  echo "-- run $run"
  LOCALELEMENTS_BASE_URL=$url \
  LOCALELEMENTS_AUTHORIZATION='User compat-user-secret, Organization compat-org-secret' \
  PLATFORM_SDK_NODE_MODULES="$modules_root/node_modules" \
    node "$here/platform_sdk.js"
done

#!/usr/bin/env bash
# Load benchmark: localelements against json-server 0.17.4 on the same
# 10,000 users, driven by wrk over loopback. See the README, "Load
# benchmark". Every server it starts listens on 127.0.0.1 and is stopped on
# exit; the only network use beyond loopback is installing wrk (apt) and
# json-server (npm) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

USERS=10000
# Fixed, short and bounded: the machine is shared and small.
WRK_ARGS=(-t2 -c32 -d10s --timeout 5s)
STARTUP_DEADLINE_S=120
CACHE=$ROOT/bench/.cache
JSON_SERVER_VERSION=0.17.4

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
# Never a proxy, even if the environment names one: loopback only.
fetch() { curl --noproxy '*' -s "$@"; }

PIDS=()
WORK=$(mktemp -d)
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools ---------------------------------------------------------------

say "cargo build --release"
cargo build --release --quiet
BIN=$ROOT/target/release/localelements

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v wrk >/dev/null; then
    say "installing wrk"
    as_root apt-get install -y wrk >/dev/null 2>&1 ||
        { as_root apt-get update >/dev/null && as_root apt-get install -y wrk >/dev/null; }
fi
command -v node >/dev/null || die "node is needed for json-server"
JSON_SERVER=$CACHE/node_modules/json-server/lib/cli/bin.js
if [ ! -f "$JSON_SERVER" ] ||
    [ "$(node -p "require('$CACHE/node_modules/json-server/package.json').version")" != "$JSON_SERVER_VERSION" ]; then
    say "installing json-server $JSON_SERVER_VERSION into bench/.cache"
    mkdir -p "$CACHE"
    npm install --prefix "$CACHE" --no-audit --no-fund --silent "json-server@$JSON_SERVER_VERSION" >&2
fi

# --- helpers -------------------------------------------------------------

free_port() {
    node -e 'const s = require("net").createServer();
             s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}
now_ns() { date +%s%N; }

# wait_ready URL PID START_NS: polls URL in a tight loop until it answers
# 200, then prints the milliseconds since START_NS.
wait_ready() {
    local url=$1 pid=$2 start=$3 deadline
    deadline=$((start + STARTUP_DEADLINE_S * 1000000000))
    until [ "$(fetch -o /dev/null -w '%{http_code}' --max-time 1 "$url")" = 200 ]; do
        kill -0 "$pid" 2>/dev/null || die "the server behind $url exited; see its log in $WORK"
        [ "$(now_ns)" -lt "$deadline" ] || die "$url not ready within ${STARTUP_DEADLINE_S}s"
    done
    echo $((($(now_ns) - start) / 1000000))
}

rss_mib() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# stop PID: SIGTERM, wait, and forget the pid (once reaped it may be
# reused by someone else's process, which cleanup must not signal).
stop() {
    local pid kept=()
    kill -TERM "$1"
    wait "$1" || true
    for pid in "${PIDS[@]}"; do
        [ "$pid" = "$1" ] || kept+=("$pid")
    done
    PIDS=("${kept[@]}")
}

# start_localelements DB LOG [FLAGS...]: sets LE_PID and LE_MS.
start_localelements() {
    local db=$1 log=$2 start
    shift 2
    start=$(now_ns)
    "$BIN" --listen "127.0.0.1:$LE_PORT" --database "$db" "$@" >"$log" 2>&1 &
    LE_PID=$!
    PIDS+=("$LE_PID")
    LE_MS=$(wait_ready "http://127.0.0.1:$LE_PORT/__admin/health" "$LE_PID" "$start")
}

# --- data ----------------------------------------------------------------

ORG_SECRET=bench-org-$(node -p 'require("crypto").randomBytes(18).toString("base64url")')
USER_SECRET=bench-user-$(node -p 'require("crypto").randomBytes(18).toString("base64url")')
AUTHORIZATION="User $USER_SECRET, Organization $ORG_SECRET"

say "generating $USERS users (a fifth inactive)"
# One organization, all users in its default account; the first is the
# org-admin the benchmark calls as. Passwords are left out: the server
# generates them (and hashes them cheaply under --fast-password-hashing).
USERS=$USERS ORG_SECRET=$ORG_SECRET USER_SECRET=$USER_SECRET node - >"$WORK/fixture.json" <<'JS'
const n = Number(process.env.USERS);
const cities = ["Denver", "Paris", "Lisbon", "Osaka", "Cape Town", "Lima", null];
const users = [];
for (let i = 0; i < n; i++) {
  const day = new Date(Date.UTC(2015, 0, 1) + (i % 3000) * 86400000);
  const user = {
    firstName: `First${i}`,
    lastName: `Last${i}`,
    email: `user${String(i).padStart(5, "0")}@bench.test`,
    active: i % 5 !== 4,
    createdDate: day.toISOString().slice(0, 10),
    roles: [],
  };
  const city = cities[i % cities.length];
  if (city) user.city = city;
  if (i === 0) {
    user.roles = ["org-admin"];
    user.secret = process.env.USER_SECRET;
  }
  users.push(user);
}
process.stdout.write(JSON.stringify({
  organizations: [{
    name: "Bench",
    secret: process.env.ORG_SECRET,
    accounts: [{ name: "Company Default Account", default: true, users }],
  }],
}));
JS

# --- start-up ------------------------------------------------------------

LE_PORT=$(free_port)
say "localelements start-up: fresh empty database"
start_localelements "$WORK/empty.db" "$WORK/localelements-empty.log"
STARTUP_EMPTY_MS=$LE_MS
stop "$LE_PID"

say "localelements start-up: fresh database, seeding $USERS users"
start_localelements "$WORK/bench.db" "$WORK/localelements-seed.log" \
    --seed "$WORK/fixture.json" --fast-password-hashing
STARTUP_SEED_MS=$LE_MS
stop "$LE_PID"

say "localelements start-up: the existing database of $USERS users"
start_localelements "$WORK/bench.db" "$WORK/localelements.log" --fast-password-hashing
STARTUP_EXISTING_MS=$LE_MS
LE_RSS_IDLE=$(rss_mib "$LE_PID")
LE=http://127.0.0.1:$LE_PORT

# The benchmark's account, the users as localelements serves them (so that
# json-server answers the very same objects), and a nextPage token that
# leads to offset 9000.
ACCOUNT=$(fetch -H "Authorization: $AUTHORIZATION" "$LE/elements/api-v2/accounts" |
    node -e 'let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
        const a = JSON.parse(s).find(a => a.defaultAccount);
        if (!a) process.exit(1);
        console.log(a.id);
    });') || die "cannot find the benchmark account"
USERS_PATH=/elements/api-v2/accounts/$ACCOUNT/users

say "copying the users into json-server's db.json"
LE=$LE USERS_PATH=$USERS_PATH AUTHORIZATION=$AUTHORIZATION node - >"$WORK/db.json" <<'JS' ||
(async () => {
  const headers = { Authorization: process.env.AUTHORIZATION };
  let url = `${process.env.LE}${process.env.USERS_PATH}?pageSize=5000`;
  const users = [];
  for (;;) {
    const response = await fetch(url, { headers });
    if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
    users.push(...(await response.json()));
    const token = response.headers.get("elements-next-page-token");
    if (!token) break;
    url = `${process.env.LE}${process.env.USERS_PATH}?pageSize=5000&nextPage=${encodeURIComponent(token)}`;
  }
  // `health` is a singular resource: json-server's cheapest route, the
  // counterpart of /__admin/health.
  process.stdout.write(JSON.stringify({ users, health: { status: "ok" } }));
})().catch((error) => { console.error(error.message); process.exit(1); });
JS
    die "cannot read the users back from localelements"

read -r USER_COUNT ID_OF EMAIL_OF < <(node -e '
    const users = require(process.argv[1]).users;
    console.log(users.length, users[5000].id, users[7500].email);' "$WORK/db.json")
[ "$USER_COUNT" = "$USERS" ] || die "localelements served $USER_COUNT users, expected $USERS"

TOKEN=$(fetch -D - -o /dev/null -H "Authorization: $AUTHORIZATION" \
    "$LE$USERS_PATH?pageSize=200&offset=8800" |
    awk -F': ' 'tolower($1) == "elements-next-page-token" { sub(/\r$/, "", $2); print $2 }')
[ -n "$TOKEN" ] || die "no Elements-Next-Page-Token at offset 8800"

JS_PORT=$(free_port)
say "json-server start-up: db.json with $USERS users"
start=$(now_ns)
node "$JSON_SERVER" --host 127.0.0.1 --port "$JS_PORT" "$WORK/db.json" \
    >"$WORK/json-server.log" 2>&1 &
JS_PID=$!
PIDS+=("$JS_PID")
STARTUP_JS_MS=$(wait_ready "http://127.0.0.1:$JS_PORT/health" "$JS_PID" "$start")
JS_RSS_IDLE=$(rss_mib "$JS_PID")
JS=http://127.0.0.1:$JS_PORT

# --- load ----------------------------------------------------------------

# name | localelements path | json-server path (empty: no counterpart)
WORKLOADS=(
    "page of 200, active = true|$USERS_PATH?pageSize=200&where=active%20%3D%20true|/users?active=true&_limit=200"
    "one user by id|$USERS_PATH/$ID_OF|/users/$ID_OF"
    "one user by email|$USERS_PATH/${EMAIL_OF/@/%40}|/users?email=${EMAIL_OF/@/%40}"
    "deep page, offset 9000|$USERS_PATH?pageSize=200&offset=9000|/users?_start=9000&_limit=200"
    "deep page, nextPage token|$USERS_PATH?pageSize=200&nextPage=$TOKEN|"
    "health (HTTP ceiling)|/__admin/health|/health"
)

# check URL: one request first, so that a workload that only measures
# errors is seen as such: prints "<status> <bytes>" of the answer.
check() {
    fetch -o /dev/null -w '%{http_code} %{size_download}' -H "Authorization: $AUTHORIZATION" "$1"
}

# drive URL: prints "<req/s> <p99 ms> <errors>".
drive() {
    local out
    out=$(BENCH_AUTHORIZATION=$AUTHORIZATION wrk "${WRK_ARGS[@]}" -s "$ROOT/bench/report.lua" "$1") ||
        die "wrk failed on $1"
    awk '/^RESULT / { printf "%.0f %.2f %d\n", $3, $4 / 1000, $5 + $6 }' <<<"$out"
}

ROWS=()
for workload in "${WORKLOADS[@]}"; do
    IFS='|' read -r name le_path js_path <<<"$workload"
    result=$(check "$LE$le_path")
    read -r le_status le_bytes <<<"$result"
    say "$name: localelements answers $le_status, $le_bytes bytes; wrk ${WRK_ARGS[*]}"
    [ "$le_status" = 200 ] || le_bytes="($le_status)"
    result=$(drive "$LE$le_path")
    read -r le_rps le_p99 le_errors <<<"$result"
    if [ -n "$js_path" ]; then
        result=$(check "$JS$js_path")
        read -r js_status js_bytes <<<"$result"
        say "$name: json-server answers $js_status, $js_bytes bytes; wrk ${WRK_ARGS[*]}"
        [ "$js_status" = 200 ] || js_bytes="($js_status)"
        result=$(drive "$JS$js_path")
        read -r js_rps js_p99 js_errors <<<"$result"
        ratio=$(awk -v a="$le_rps" -v b="$js_rps" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
    else
        js_rps=- js_p99=- js_errors=- js_bytes=- ratio=-
    fi
    ROWS+=("$name|$le_rps|$le_p99|$le_errors|$le_bytes|$js_rps|$js_p99|$js_errors|$js_bytes|$ratio")
done

LE_RSS_LOADED=$(rss_mib "$LE_PID")
JS_RSS_LOADED=$(rss_mib "$JS_PID")

# --- report --------------------------------------------------------------

echo
echo "Load: wrk ${WRK_ARGS[*]}, $USERS users in one account ($((USERS / 5)) inactive), $(nproc) cores, loopback"
echo
ROW='%-26s | %7s %8s %6s %7s | %7s %8s %6s %7s | %s\n'
printf '%-26s | %-31s | %-31s | %s\n' "" "localelements" "json-server $JSON_SERVER_VERSION" "ratio"
# shellcheck disable=SC2059 # the format is a constant
printf "$ROW" workload "req/s" "p99 ms" errors bytes "req/s" "p99 ms" errors bytes "req/s"
printf -- '---------------------------+---------------------------------+---------------------------------+------\n'
for row in "${ROWS[@]}"; do
    IFS='|' read -r -a cells <<<"$row"
    # shellcheck disable=SC2059
    printf "$ROW" "${cells[@]}"
done
echo
echo "errors: answers with a status of 400 or more, socket errors and timeouts, as wrk counts them"
echo "bytes: the body of one answer (json-server indents its JSON, and answers a lookup by email with an array)"
echo "ratio: localelements req/s over json-server req/s"
echo
echo "Start-up, from launch to a 200 from the health route:"
printf '  %-66s %6d ms\n' \
    "localelements, fresh empty database (one Argon2id hash)" "$STARTUP_EMPTY_MS" \
    "localelements, fresh database, seeding $USERS users (fast hashing)" "$STARTUP_SEED_MS" \
    "localelements, existing database of $USERS users" "$STARTUP_EXISTING_MS" \
    "json-server, db.json of $USERS users" "$STARTUP_JS_MS"
echo
echo "Resident memory (VmRSS), idle just after start-up and after the load:"
printf '  localelements: %6s MiB idle, %6s MiB after the load\n' "$LE_RSS_IDLE" "$LE_RSS_LOADED"
printf '  json-server:   %6s MiB idle, %6s MiB after the load\n' "$JS_RSS_IDLE" "$JS_RSS_LOADED"

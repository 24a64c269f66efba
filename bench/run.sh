#!/usr/bin/env bash
# Load benchmark: localelements against json-server 0.17.4 on the same
# 10,000 users, driven by wrk (reads) and benches/load.rs (writes and the
# CI-suite mix) over loopback, beside the raw SQLite write rate of this
# machine, plus a 1,000,000-user scale section. See the README, "Load
# benchmark". SCALE_USERS=0 skips the scale section. Every server it starts listens on 127.0.0.1 and is stopped on
# exit; the only network use beyond loopback is installing wrk (apt) and
# json-server (npm) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

USERS=10000
SCALE_USERS=${SCALE_USERS:-1000000}
# The write phases: 8 connections, as CI suites run in parallel.
LOAD_CONNECTIONS=8
LOAD_SECONDS=8
RAW_SECONDS=5
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

say "cargo build --release (and the write-load generator, benches/load.rs)"
cargo build --release --quiet
BIN=$ROOT/target/release/localelements
cargo bench --bench load --no-run --quiet 2>/dev/null
LOAD=$(find "$ROOT/target/release/deps" -maxdepth 1 -type f -executable -name 'load-*' -printf '%T@ %p\n' |
    sort -rn | head -1 | cut -d' ' -f2)
[ -x "$LOAD" ] || die "the write-load generator did not build"
command -v python3 >/dev/null || die "python3 is needed for the raw SQLite rate"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
    as_root apt-get install -y "$@" >/dev/null 2>&1 ||
        { as_root apt-get update >/dev/null && as_root apt-get install -y "$@" >/dev/null; }
}
command -v wrk >/dev/null || { say "installing wrk"; apt_install wrk; }
# GNU time: wrk's own CPU time beside the server's.
[ -x /usr/bin/time ] || { say "installing time"; apt_install time; }
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
peak_mib() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
TICKS=$(getconf CLK_TCK)
# cpu_s PID: the process's CPU time so far (user + system), in seconds.
cpu_s() { awk -v t="$TICKS" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat"; }
# raw_rate: "<transactions/s> <CPU s>" of single-row SQLite write
# transactions (Python's sqlite3, WAL, synchronous=NORMAL).
raw_rate() { python3 "$ROOT/bench/raw_sqlite.py" "$WORK/raw.db" "$RAW_SECONDS"; }

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
  // Inactive users too: json-server gets all of them.
  let url = `${process.env.LE}${process.env.USERS_PATH}?pageSize=5000&includeInactive=true`;
  const users = [];
  for (;;) {
    const response = await fetch(url, { headers });
    if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
    users.push(...(await response.json()));
    const token = response.headers.get("elements-next-page-token");
    if (!token) break;
    url = `${process.env.LE}${process.env.USERS_PATH}?pageSize=5000&includeInactive=true&nextPage=${encodeURIComponent(token)}`;
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
    "$LE$USERS_PATH?pageSize=200&offset=8800&includeInactive=true" |
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
    "deep page, offset 9000|$USERS_PATH?pageSize=200&offset=9000&includeInactive=true|/users?_start=9000&_limit=200"
    "deep page, nextPage token|$USERS_PATH?pageSize=200&includeInactive=true&nextPage=$TOKEN|"
    "health (HTTP ceiling)|/__admin/health|/health"
)

# check URL: one request first, so that a workload that only measures
# errors is seen as such: prints "<status> <bytes>" of the answer.
check() {
    fetch -o /dev/null -w '%{http_code} %{size_download}' -H "Authorization: $AUTHORIZATION" "$1"
}

# drive URL SERVER_PID [WRK ARGS...]: prints "<req/s> <p99 ms> <errors>
# <wrk CPU s> <server CPU s>".
drive() {
    local url=$1 pid=$2 out before client
    shift 2
    [ $# -gt 0 ] || set -- "${WRK_ARGS[@]}"
    before=$(cpu_s "$pid")
    out=$(BENCH_AUTHORIZATION=$AUTHORIZATION /usr/bin/time -o "$WORK/wrk.time" -f '%U %S' \
        wrk "$@" -s "$ROOT/bench/report.lua" "$url") || die "wrk failed on $url"
    client=$(awk '{ printf "%.2f", $1 + $2 }' "$WORK/wrk.time")
    awk -v c="$client" -v s="$(awk -v a="$before" -v b="$(cpu_s "$pid")" 'BEGIN { printf "%.2f", b - a }')" \
        '/^RESULT / { printf "%.0f %.2f %d %s %s\n", $3, $4 / 1000, $5 + $6, c, s }' <<<"$out"
}

ROWS=()
CPU_ROWS=()
for workload in "${WORKLOADS[@]}"; do
    IFS='|' read -r name le_path js_path <<<"$workload"
    result=$(check "$LE$le_path")
    read -r le_status le_bytes <<<"$result"
    say "$name: localelements answers $le_status, $le_bytes bytes; wrk ${WRK_ARGS[*]}"
    [ "$le_status" = 200 ] || le_bytes="($le_status)"
    result=$(drive "$LE$le_path" "$LE_PID")
    read -r le_rps le_p99 le_errors le_client le_server <<<"$result"
    if [ -n "$js_path" ]; then
        result=$(check "$JS$js_path")
        read -r js_status js_bytes <<<"$result"
        say "$name: json-server answers $js_status, $js_bytes bytes; wrk ${WRK_ARGS[*]}"
        [ "$js_status" = 200 ] || js_bytes="($js_status)"
        result=$(drive "$JS$js_path" "$JS_PID")
        read -r js_rps js_p99 js_errors js_client js_server <<<"$result"
        ratio=$(awk -v a="$le_rps" -v b="$js_rps" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
    else
        js_rps=- js_p99=- js_errors=- js_bytes=- js_client=- js_server=- ratio=-
    fi
    ROWS+=("$name|$le_rps|$le_p99|$le_errors|$le_bytes|$js_rps|$js_p99|$js_errors|$js_bytes|$ratio")
    CPU_ROWS+=("$name|$le_server|$le_client|$js_server|$js_client")
done

# --- writes --------------------------------------------------------------

# load SERVER_PID FLAVOUR BASE USERS_PATH: the write phases of benches/load.rs
# (creates, patches, deletes, the CI-suite mix), one RESULT line each.
load() {
    local pid=$1
    shift
    SERVER_PID=$pid BENCH_AUTHORIZATION=$AUTHORIZATION \
        "$LOAD" "$@" "$LOAD_CONNECTIONS" "$LOAD_SECONDS" | grep '^RESULT ' ||
        die "the write load failed against $2"
}

# The raw rate before and after the server's writes, back to back: the
# machine is shared, and the two show how much it drifted meanwhile.
say "raw SQLite rate (${RAW_SECONDS}s)"
read -r RAW1 RAW1_CPU < <(raw_rate)
say "localelements writes: ${LOAD_CONNECTIONS} connections, ${LOAD_SECONDS}s a phase"
LE_WRITES=$(load "$LE_PID" localelements "$LE" "$USERS_PATH")
say "raw SQLite rate (${RAW_SECONDS}s)"
read -r RAW2 RAW2_CPU < <(raw_rate)
say "json-server writes: ${LOAD_CONNECTIONS} connections, ${LOAD_SECONDS}s a phase"
JS_WRITES=$(load "$JS_PID" json-server "$JS" /users)
RAW=$(awk -v a="$RAW1" -v b="$RAW2" 'BEGIN { printf "%.0f", (a + b) / 2 }')
# The second reference: SQLite creating users with the server's own schema
# and statements, on a copy of its database, with no HTTP and no threads.
say "SQLite alone, the server's create (${RAW_SECONDS}s)"
read -r FLOOR FLOOR_US < <(python3 "$ROOT/bench/create_floor.py" "$WORK/bench.db" "$WORK/floor.db" "$RAW_SECONDS")

# --- reads while another organization writes ------------------------------

PAGE_PATH="$USERS_PATH?pageSize=200&where=active%20%3D%20true"
QUIET_ARGS=(-t2 -c8 -d6s --timeout 5s)
say "page of 200 alone, then while a second organization creates 200 users/s"
read -r ALONE_RPS ALONE_P99 ALONE_ERRORS _ < <(drive "$LE$PAGE_PATH" "$LE_PID" "${QUIET_ARGS[@]}")
TENANT=$(fetch -X POST "$LE/__admin/organizations")
TENANT_AUTH=$(node -e 'console.log(JSON.parse(process.argv[1]).authorization)' "$TENANT")
TENANT_USERS=/elements/api-v2/accounts/$(node -e 'console.log(JSON.parse(process.argv[1]).defaultAccountId)' "$TENANT")/users
SERVER_PID=$LE_PID BENCH_AUTHORIZATION=$TENANT_AUTH \
    "$LOAD" localelements "$LE" "$TENANT_USERS" 4 8 200 >"$WORK/trickle.out" &
TRICKLE=$!
PIDS+=("$TRICKLE")
sleep 1
read -r BUSY_RPS BUSY_P99 BUSY_ERRORS _ < <(drive "$LE$PAGE_PATH" "$LE_PID" "${QUIET_ARGS[@]}")
wait "$TRICKLE" || die "the background writer failed"
read -r _ _ TRICKLE_N TRICKLE_RATE _ TRICKLE_ERRORS _ < <(grep '^RESULT ' "$WORK/trickle.out")

LE_RSS_LOADED=$(rss_mib "$LE_PID")
JS_RSS_LOADED=$(rss_mib "$JS_PID")

# --- scale ---------------------------------------------------------------

# A fixture of SCALE_USERS users in one account (bench/scale_fixture.py),
# loaded by the server's own --seed (fast hashing): the load's time (from
# the server's summary line), and the server's peak memory through it.
# Then the server starts again on the database (taking the planner's
# statistics, once), and each filter is asked for cold (a value not asked
# before, so the count is computed, not cached) and under wrk.
SCALE_ROWS=()
if [ "$SCALE_USERS" -gt 0 ]; then
    stop "$LE_PID"
    stop "$JS_PID"
    SCALE_DB=$WORK/scale.db
    say "scale: a fixture of $SCALE_USERS users (bench/scale_fixture.py)"
    python3 "$ROOT/bench/scale_fixture.py" "$SCALE_USERS" "$ORG_SECRET" "$USER_SECRET" \
        >"$WORK/scale.json" || die "bench/scale_fixture.py failed"
    SCALE_FIXTURE_MIB=$(du -m "$WORK/scale.json" | cut -f1)
    say "scale: --seed of $SCALE_FIXTURE_MIB MiB"
    STARTUP_DEADLINE_S=900
    start_localelements "$SCALE_DB" "$WORK/localelements-scale-seed.log" \
        --seed "$WORK/scale.json" --fast-password-hashing
    SCALE_LOAD_PEAK=$(peak_mib "$LE_PID")
    stop "$LE_PID"
    # "... N users in S s (R users/s)" from the load's summary line.
    read -r SCALE_LOAD_S SCALE_LOAD_RATE < <(sed -n 's/.* users in \([0-9.]*\) s (\([0-9]*\) users\/s).*/\1 \2/p' \
        "$WORK/localelements-scale-seed.log" | tail -1)
    [ -n "${SCALE_LOAD_RATE:-}" ] || die "no load summary in the server's log"
    rm -f "$WORK/scale.json"
    SCALE_DB_MIB=$(du -m "$SCALE_DB" | cut -f1)
    start_localelements "$SCALE_DB" "$WORK/localelements-scale.log" --fast-password-hashing
    SCALE_START_MS=$LE_MS
    SCALE_ACCOUNT=$(fetch -H "Authorization: $AUTHORIZATION" "$LE/elements/api-v2/accounts" |
        node -e 'let s = ""; process.stdin.on("data", d => s += d).on("end", () =>
            console.log(JSON.parse(s).find(a => a.defaultAccount).id));')
    SCALE_PATH=/elements/api-v2/accounts/$SCALE_ACCOUNT/users
    # name | three filters, each asked once cold (";" between them)
    # scale_query FILTER: the query string of a page of 200 filtered so.
    scale_query() {
        if [ "$1" = - ]; then
            echo "pageSize=200"
        else
            echo "pageSize=200&where=$(node -p 'encodeURIComponent(process.argv[1])' "$1")"
        fi
    }
    # "-" is a list with no where (its count is kept, not counted).
    SCALE_FILTERS=(
        "(no where)|-"
        "firstName = |firstName = 'First17';firstName = 'First4711';firstName = 'First999'"
        "lastName like prefix|lastName like 'l4242%';lastName like 'L31%';lastName like 'L777%'"
        "fullName like prefix|fullName like 'first17 l%';fullName like 'First4711 L9%';fullName like 'First999 L1%'"
        "email = |email = 'u123456@scale.test';email = 'u999@scale.test';email = 'u500000@scale.test'"
        "email like prefix|email like 'u12345%';email like 'U777%';email like 'u99999%'"
        "active = true|active = true;active = true and id > 500000;active = true and id < 1000"
        "createdDate range (a week)|createdDate >= '2016-03-01' and createdDate < '2016-03-08';createdDate >= '2019-01-01' and createdDate < '2019-01-08';createdDate >= '2021-06-01' and createdDate < '2021-06-08'"
        "lastLoginDate =|lastLoginDate = '2017-05-05';lastLoginDate = '2018-02-02';lastLoginDate = '2020-12-12'"
        "city =|city = 'Oslo';city = 'City17';city = 'city500'"
        "country =|country = 'Country7';country = 'Country150';country = 'country99'"
        "stateProvince like prefix|stateProvince like 'State42%';stateProvince like 'state7%';stateProvince like 'State499%'"
        "postalCode =|postalCode = '00042';postalCode = '04711';postalCode = '09999'"
        "phone like prefix|phone like '+47 1012345%';phone like '+47 10999%';phone like '+47 1050000%'"
        "street1 =|street1 = '4711 Main Street';street1 = '123456 Main Street';street1 = '999999 Main Street'"
        "street2 =|street2 = 'Floor 10';street2 = 'Floor 20';street2 = 'floor 30'"
        "city = and lastName like|city = 'Oslo' and lastName like 'L99%';city = 'City17' and lastName like 'L1%';city = 'City999' and lastName like 'L4%'"
        # Last: its wrk run leaves slow queries running past its end.
        "roles = org|roles = 'org';roles = 'admin';roles != 'org'"
    )
    for row in "${SCALE_FILTERS[@]}"; do
        IFS='|' read -r name filters <<<"$row"
        IFS=';' read -r -a each <<<"$filters"
        times=()
        total=-
        for filter in "${each[@]}"; do
            read -r status ms count < <(fetch -o /dev/null -D "$WORK/scale.headers" \
                -w '%{http_code} %{time_total}\n' -H "Authorization: $AUTHORIZATION" \
                "$LE$SCALE_PATH?$(scale_query "$filter")" |
                awk -v h="$WORK/scale.headers" '{
                    c = "-"
                    while ((getline line < h) > 0) {
                        if (tolower(line) ~ /^elements-total-count:/) { sub(/\r$/, "", line); sub(/^[^:]*: */, "", line); c = line }
                    }
                    printf "%s %.1f %s\n", $1, $2 * 1000, c }')
            # A 404 is an account with no match; anything else is shown.
            [ "$status" = 200 ] || [ "$status" = 404 ] || ms="$ms($status)"
            times+=("$ms")
            [ "$total" = - ] && total=$count
        done
        worst=$(printf '%s\n' "${times[@]}" | sort -g | tail -1)
        read -r rps p99 errors _ < <(drive "$LE$SCALE_PATH?$(scale_query "${each[0]}")" "$LE_PID" -t2 -c8 -d3s --timeout 5s)
        SCALE_ROWS+=("$name|${each[0]}|$total|${times[*]}|$worst|$rps|$p99|$errors")
    done
    SCALE_PEAK=$(peak_mib "$LE_PID")
    SCALE_RSS=$(rss_mib "$LE_PID")
fi

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
echo
echo "CPU seconds over each read workload: the server's, and the load generator's (wrk) beside it"
CPU_ROW='%-26s | %9s %9s | %9s %9s\n'
# shellcheck disable=SC2059
printf "$CPU_ROW" workload "LE server" "wrk" "JS server" "wrk"
for row in "${CPU_ROWS[@]}"; do
    IFS='|' read -r -a cells <<<"$row"
    # shellcheck disable=SC2059
    printf "$CPU_ROW" "${cells[@]}"
done
echo
echo "Writes: benches/load.rs, $LOAD_CONNECTIONS connections, ${LOAD_SECONDS}s a phase (deletes: until the created users are gone)"
echo "raw SQLite: ${RAW1} and ${RAW2} single-row write transactions/s (before and after localelements' writes; Python sqlite3, WAL, synchronous=NORMAL)"
echo
WROW='%-30s | %8s %8s %6s %6s %6s | %8s %8s %6s %6s %6s | %7s %7s\n'
# shellcheck disable=SC2059
printf "$WROW" "" "localelements" "" "" "CPU s" "" "json-server" "" "" "CPU s" "" "ratio" "LE/raw"
# shellcheck disable=SC2059
printf "$WROW" phase "/s" "p99 ms" errors server client "/s" "p99 ms" errors server client "/s" ""
printf -- '-------------------------------+---------------------------------------------+---------------------------------------------+----------------\n'
while read -r _ phase _ le_rate le_p99 le_err le_client le_server; do
    read -r _ _ _ js_rate js_p99 js_err js_client js_server < <(grep "^RESULT $phase " <<<"$JS_WRITES")
    label=$phase
    [ "$phase" = mix ] && label="mix (scenarios: 5 calls each)"
    # shellcheck disable=SC2059
    printf "$WROW" "$label" "$le_rate" "$le_p99" "$le_err" "$le_server" "$le_client" \
        "$js_rate" "$js_p99" "$js_err" "$js_server" "$js_client" \
        "$(awk -v a="$le_rate" -v b="$js_rate" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')" \
        "$(awk -v a="$le_rate" -v b="$RAW" 'BEGIN { printf "%.3f", a / b }')"
done <<<"$LE_WRITES"
echo
echo "mix: per virtual client, create -> get by id -> patch -> list where email = ... -> delete"
echo "LE/raw: localelements per second over the mean raw SQLite rate of this run"
echo "SQLite alone, the server's create (bench/create_floor.py: its schema and statements, 8 a transaction, no HTTP): ${FLOOR} creates/s, ${FLOOR_US} us of CPU each; localelements' creates are $(awk -v a="$(awk '$2 == "creates" { print $4 }' <<<"$LE_WRITES")" -v b="$FLOOR" 'BEGIN { printf "%.2f", a / b }') of it"
echo
echo "Reads while another organization writes (wrk ${QUIET_ARGS[*]}, page of 200, active = true):"
printf '  alone:                         %6s req/s, p99 %s ms, %s errors\n' "$ALONE_RPS" "$ALONE_P99" "$ALONE_ERRORS"
printf '  while %4s users/s are created: %6s req/s, p99 %s ms, %s errors (%s creates, %s errors)\n' \
    "$TRICKLE_RATE" "$BUSY_RPS" "$BUSY_P99" "$BUSY_ERRORS" "$TRICKLE_N" "$TRICKLE_ERRORS"
printf '  ratio: %s\n' "$(awk -v a="$BUSY_RPS" -v b="$ALONE_RPS" 'BEGIN { printf "%.2fx", a / b }')"
echo
echo "errors: answers with a status of 400 or more, socket errors and timeouts, as wrk counts them"
echo "bytes: the body of one answer (json-server indents its JSON, and answers a lookup by email with an array)"
echo "ratio: localelements req/s over json-server req/s"
if [ "${#SCALE_ROWS[@]}" -gt 0 ]; then
    echo
    echo "Scale: $SCALE_USERS users in one account"
    printf '  loaded by --seed (bench/scale_fixture.py, %s MiB; fast hashing): %s s (%s users/s), server peak %s MiB; database %s MiB\n' \
        "$SCALE_FIXTURE_MIB" "$SCALE_LOAD_S" "$SCALE_LOAD_RATE" "$SCALE_LOAD_PEAK" "$SCALE_DB_MIB"
    printf '  localelements started again on it: healthy in %s ms (planner statistics taken once); resident %s MiB after the queries (peak %s MiB)\n' \
        "$SCALE_START_MS" "$SCALE_RSS" "$SCALE_PEAK"
    echo "  cold: three different values, each asked once (page of 200 with Elements-Total-Count computed, not cached)"
    echo "  wrk: -t2 -c8 -d3s on the first value (the page and its count then come from the cache)"
    echo
    SROW='%-28s | %-52s | %7s | %-20s %6s | %6s %7s %6s\n'
    # shellcheck disable=SC2059
    printf "$SROW" filter "first value" matches "cold ms (each)" "worst" "req/s" "p99 ms" errors
    for row in "${SCALE_ROWS[@]}"; do
        IFS='|' read -r -a cells <<<"$row"
        # shellcheck disable=SC2059
        printf "$SROW" "${cells[@]}"
    done
fi
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

#!/bin/sh
# The seed's test_yiding_reservation.sh: the Yiding integration end to end over HTTP.
#   1 create the system  2 sync a reservation  3 list  4 filter by status
#   5 filter by date range  6 status arrived, seated  7 signed webhooks created,
#   updated, cancelled
# Against BASE_URL (default http://127.0.0.1:8080) with TOKEN (default: minted with
# scripts/mint-token admin). When nothing answers at BASE_URL/healthz, it starts its own
# redis-server (module loaded) and sidecar on free loopback ports in a temporary
# directory and removes them on exit; --own-stack always does (make test uses it, so a
# stack of `make run` never takes part in the tests). Needs curl, python3, openssl.
# Prints one line per passed step; exits non-zero at the first failure.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
BASE_URL=${BASE_URL:-http://127.0.0.1:8080}
tmp=$(mktemp -d)
pids=""

cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAIL: $*" >&2
    if [ -s "$tmp/body" ]; then
        echo "  last response ($code): $(head -c 600 "$tmp/body")" >&2
    fi
    exit 1
}
pass() { echo "ok   $*"; }

freeport() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- the stack -----------------------------------------------------------------------
own=0
[ "${1:-}" != --own-stack ] || own=1
if [ $own = 1 ] || ! curl -sf -m 3 "$BASE_URL/healthz" >/dev/null 2>&1; then
    own=1
    module="$top/module/resv.so" sidecar="$top/sidecar/resv-sidecar" preload=""
    if [ "${RESV_ASAN:-}" = 1 ]; then # make asan-test: the sanitizer builds
        module="$top/build/asan/resv.so" sidecar="$top/build/asan/resv-sidecar"
        preload=$(gcc -print-file-name=libasan.so)
    fi
    [ -x "$sidecar" ] && [ -f "$module" ] ||
        fail "nothing answers at $BASE_URL/healthz and $module or $sidecar is not built (run make)"
    rport=$(freeport)
    hport=$(freeport)
    openssl rand -hex 32 >"$tmp/jwt.secret"
    LD_PRELOAD=$preload ASAN_OPTIONS=detect_leaks=0 redis-server --port "$rport" \
        --bind 127.0.0.1 --dir "$tmp" --save '' --appendonly no \
        --loadmodule "$module" >"$tmp/redis.log" 2>&1 &
    pids="$pids $!"
    i=0
    until redis-cli -p "$rport" ping >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 50 ] || fail "redis-server did not start: $(tail -n 5 "$tmp/redis.log")"
        sleep 0.1
    done
    "$sidecar" --listen "127.0.0.1:$hport" --redis "127.0.0.1:$rport" \
        --jwt-secret-file "$tmp/jwt.secret" >"$tmp/sidecar.log" 2>&1 &
    pids="$pids $!"
    BASE_URL="http://127.0.0.1:$hport"
    i=0
    until curl -sf -m 2 "$BASE_URL/healthz" >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 50 ] || fail "the sidecar did not become healthy: $(tail -n 5 "$tmp/sidecar.log")"
        sleep 0.2
    done
    TOKEN=$(sh "$top/scripts/mint-token" --secret-file "$tmp/jwt.secret" admin)
    echo "     started redis-server :$rport and resv-sidecar $BASE_URL in $tmp"
fi
if [ -z "${TOKEN:-}" ]; then
    TOKEN=$(sh "$top/scripts/mint-token" admin) || fail "no TOKEN and scripts/mint-token admin failed"
fi
API="$BASE_URL/api/v1/integrations"

# A stack of our own is empty, so the seed's ids are used as they are; a shared stack
# may hold them already (reservation_id is unique across stores), so a run there gets
# ids of its own.
if [ $own = 1 ]; then
    STORE=store-001 RID=RES-2024-001 RID2=RES-2024-002
else
    run=$(date +%s)$$
    STORE=store-001-t$run RID=RES-2024-001-t$run RID2=RES-2024-002-t$run
fi

# --- helpers -------------------------------------------------------------------------
code=""
# req METHOD URL [BODY [HEADER ...]]: the status in $code, the body in $tmp/body.
req() {
    method=$1 url=$2
    shift 2
    body=""
    if [ $# -gt 0 ]; then
        body=$1
        shift
    fi
    set -- "$@" -H "Authorization: Bearer $TOKEN"
    if [ -n "$body" ]; then
        printf '%s' "$body" >"$tmp/req"
        set -- "$@" -H 'Content-Type: application/json' --data-binary "@$tmp/req"
    fi
    code=$(curl -s -m 10 -o "$tmp/body" -w '%{http_code}' -X "$method" "$@" "$url") || code=000
}

expect_code() { [ "$code" = "$1" ] || fail "$2: HTTP $code, expected $1"; }

# check 'python expression over d (the response JSON)' 'what it means'
check() {
    python3 - "$tmp/body" "$1" <<'EOF' || fail "$2"
import json, sys
try:
    d = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception as e:
    sys.exit("response is not JSON: %s" % e)
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
}

# value 'python expression over d': prints it
value() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1], encoding="utf-8")); print(eval(sys.argv[2]))' \
        "$tmp/body" "$1"
}

# webhook EVENT DATA_JSON [MSGID]: a signed POST to the system's webhook URL.
webhook() {
    wid=${3:-msg_$(date +%s)_$$_$1_$(openssl rand -hex 4)}
    wts=$(date +%s)
    wbody=$(printf '{"event":"%s","data":%s}' "$1" "$2")
    wsig=$(printf '%s.%s.%s' "$wid" "$wts" "$wbody" |
        openssl dgst -sha256 -mac HMAC -macopt "hexkey:$HEXKEY" -binary | openssl base64 -A)
    req POST "$API/webhooks/reservation/$SYSTEM_ID" "$wbody" \
        -H "webhook-id: $wid" -H "webhook-timestamp: $wts" -H "webhook-signature: v1,$wsig"
}

# --- 1 create the system configuration -------------------------------------------------
req POST "$API/systems" "{\"name\": \"易订预订管理系统\", \"type\": \"reservation\",
  \"provider\": \"Yiding\", \"store_id\": \"$STORE\",
  \"config\": {\"api_endpoint\": \"https://api.yiding.com/reservation\",
    \"api_key\": \"your_yiding_api_key\",
    \"webhook_url\": \"https://your-domain/api/v1/integrations/webhooks/reservation/{system_id}\"}}"
expect_code 201 "create system"
check 'd["status"] == "inactive"' "new system status is not inactive"
check 'd["store_id"] == "'"$STORE"'" and d["provider"] == "Yiding" and d["name"] == "易订预订管理系统"' \
    "system fields not echoed"
check 'd["webhook_secret"].startswith("whsec_")' "webhook_secret does not start with whsec_"
check 'd["id"] in d["webhook_url"] and "/webhooks/reservation/" in d["webhook_url"]' \
    "webhook_url does not contain the system id"
check '"your_yiding_api_key" not in json.dumps(d["config"])' "api_key is not masked"
SYSTEM_ID=$(value 'd["id"]')
SECRET=$(value 'd["webhook_secret"]')
HEXKEY=$(printf '%s' "${SECRET#whsec_}" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \n')
[ -n "$HEXKEY" ] || fail "webhook_secret does not decode: $SECRET"
req GET "$API/systems/$SYSTEM_ID"
expect_code 200 "get system"
check '"webhook_secret" not in d or not d["webhook_secret"]' "webhook_secret shown again after creation"
pass "1 create system $SYSTEM_ID (inactive, whsec_ secret, webhook_url with the id)"

# --- 2 sync a reservation ------------------------------------------------------------
req POST "$API/reservation/$SYSTEM_ID/sync" "{\"reservation_id\": \"$RID\",
  \"external_id\": \"yiding_res_001\", \"reservation_number\": \"YD20240214001\",
  \"customer_name\": \"张三\", \"customer_phone\": \"13800138000\", \"customer_count\": 4,
  \"reservation_date\": \"2024-02-15T00:00:00\", \"reservation_time\": \"18:00-20:00\",
  \"table_type\": \"圆桌\", \"area\": \"大厅\", \"status\": \"confirmed\",
  \"special_requirements\": \"靠窗位置，需要儿童座椅\", \"notes\": \"客户是VIP会员\",
  \"deposit_required\": true, \"deposit_amount\": 200.00, \"deposit_paid\": true,
  \"source\": \"yiding\", \"channel\": \"微信小程序\"}"
expect_code 201 "sync reservation"
check 'd["result"] == "created"' "sync result is not created"
r='d["reservation"]'
check "$r[\"customer_name\"] == \"张三\" and $r[\"notes\"] == \"客户是VIP会员\"" "Chinese text did not round-trip"
check "$r[\"reservation_id\"] == \"$RID\" and $r[\"external_reservation_id\"] == \"yiding_res_001\"" \
    "ids not stored (external_id -> external_reservation_id)"
check "type($r[\"customer_count\"]) is int and $r[\"customer_count\"] == 4" "customer_count is not the integer 4"
check "type($r[\"deposit_amount\"]) in (int, float) and $r[\"deposit_amount\"] == 200" "deposit_amount is not the number 200"
check "$r[\"deposit_required\"] is True and $r[\"deposit_paid\"] is True" "deposit flags are not booleans"
check "$r[\"status\"] == \"confirmed\" and $r[\"store_id\"] == \"$STORE\" and $r[\"system_id\"] == \"$SYSTEM_ID\"" \
    "status/store_id/system_id wrong"
MODEL="id system_id store_id reservation_id external_reservation_id reservation_number customer_name
customer_phone customer_count reservation_date reservation_time arrival_time table_type table_number area
status special_requirements notes deposit_required deposit_amount deposit_paid source channel sync_status
synced_at created_at updated_at"
check "set(\"$(echo $MODEL)\".split()) <= set($r) and $r[\"arrival_time\"] is None and len($r[\"id\"]) == 36" \
    "reservation does not have every model field with null where unset"
# the same id again updates instead of duplicating (seed FAQ 1)
req POST "$API/reservation/$SYSTEM_ID/sync" "{\"reservation_id\": \"$RID\", \"customer_name\": \"张三\"}"
expect_code 200 "sync again"
check 'd["result"] in ("updated", "unchanged")' "a second sync of the same id did not update"
pass "2 sync $RID (201 created, 张三, JSON types; same id again: 200)"

# --- 3 list ----------------------------------------------------------------------------
req GET "$API/reservation/list?store_id=$STORE"
expect_code 200 "list"
check "any(x[\"reservation_id\"] == \"$RID\" for x in d[\"reservations\"])" "list does not contain $RID"
check 'd["count"] == len(d["reservations"]) and "next_cursor" in d' "count/next_cursor missing"
pass "3 list contains $RID"

# --- 4 filter by status ----------------------------------------------------------------
req GET "$API/reservation/list?store_id=$STORE&status=confirmed"
expect_code 200 "list status=confirmed"
check "any(x[\"reservation_id\"] == \"$RID\" for x in d[\"reservations\"])" "status=confirmed does not list $RID"
check 'all(x["status"] == "confirmed" for x in d["reservations"])' "status=confirmed lists other statuses"
req GET "$API/reservation/list?store_id=$STORE&status=pending"
expect_code 200 "list status=pending"
check "all(x[\"reservation_id\"] != \"$RID\" for x in d[\"reservations\"])" "status=pending lists $RID"
pass "4 filter by status"

# --- 5 filter by date range --------------------------------------------------------------
req GET "$API/reservation/list?store_id=$STORE&status=confirmed&date_from=2024-02-15T00:00:00&date_to=2024-02-15T23:59:59"
expect_code 200 "list by date range"
check "any(x[\"reservation_id\"] == \"$RID\" for x in d[\"reservations\"])" "the date range does not list $RID"
req GET "$API/reservation/list?store_id=$STORE&date_from=2024-02-16T00:00:00&date_to=2024-02-16T23:59:59"
expect_code 200 "list by another date range"
check 'd["count"] == 0 and d["reservations"] == []' "a range without reservations is not empty"
req GET "$API/reservation/list?store_id=$STORE&date_from=2024-02-15T18:00:01"
expect_code 200 "list from after the start"
check "all(x[\"reservation_id\"] != \"$RID\" for x in d[\"reservations\"])" "date_from after the start instant still lists $RID"
req GET "$API/reservation/list?store_id=$STORE&date_from=2024-02-15&date_to=2024-02-15"
expect_code 200 "list by bare dates"
check "any(x[\"reservation_id\"] == \"$RID\" for x in d[\"reservations\"])" "bare dates do not list $RID"
pass "5 filter by date range (2024-02-15 lists it, 2024-02-16 count 0)"

# --- 6 status arrived, then seated --------------------------------------------------------
req PUT "$API/reservation/$RID/status?status=arrived&arrival_time=2024-02-15T18:05:00"
expect_code 200 "status arrived"
check 'd["status"] == "arrived" and d["arrival_time"] == "2024-02-15T18:05:00"' "not arrived at 18:05:00"
req PUT "$API/reservation/$RID/status?status=seated&table_number=A08"
expect_code 200 "status seated"
check 'd["status"] == "seated" and d["table_number"] == "A08"' "not seated at A08"
req PUT "$API/reservation/$RID/status?status=confirmed"
expect_code 409 "moving seated back to confirmed"
check '"code" in d["error"] and d["error"]["message"]' "409 without an error body"
req GET "$API/reservation/$RID"
expect_code 200 "get after status"
check 'd["status"] == "seated" and d["table_number"] == "A08"' "stored reservation is not seated at A08"
pass "6 status arrived (18:05:00) then seated at A08; backwards refused with 409"

# --- 7 webhooks -----------------------------------------------------------------------------
webhook reservation.created "{\"reservation_id\": \"$RID2\", \"customer_name\": \"李四\",
  \"customer_phone\": \"13900139000\", \"customer_count\": 2,
  \"reservation_date\": \"2024-02-15T00:00:00\", \"reservation_time\": \"19:00-21:00\",
  \"status\": \"pending\"}" msg_created_$RID2
expect_code 200 "webhook reservation.created"
check 'd["received"] is True' "created webhook not received"
req GET "$API/reservation/$RID2"
expect_code 200 "get after created webhook"
check 'd["status"] == "pending" and d["customer_name"] == "李四" and d["customer_count"] == 2' \
    "created webhook did not store the reservation"
check "d[\"store_id\"] == \"$STORE\" and d[\"system_id\"] == \"$SYSTEM_ID\"" "webhook reservation not in the system's store"
# the same webhook-id again: acknowledged, not applied twice
webhook reservation.created "{\"reservation_id\": \"$RID2\", \"customer_count\": 3}" msg_created_$RID2
expect_code 200 "repeated webhook-id"
check 'd["received"] is True' "repeated webhook-id not acknowledged"
req GET "$API/reservation/$RID2"
check 'd["customer_count"] == 2' "a repeated webhook-id was applied again"
pass "7a webhook reservation.created stored $RID2 (repeated webhook-id acknowledged, not applied)"

webhook reservation.updated "{\"reservation_id\": \"$RID2\", \"customer_count\": 6, \"status\": \"confirmed\"}"
expect_code 200 "webhook reservation.updated"
check 'd["received"] is True' "updated webhook not received"
req GET "$API/reservation/$RID2"
check 'd["customer_count"] == 6 and d["status"] == "confirmed"' "updated webhook not applied"
check 'd["customer_name"] == "李四" and d["reservation_time"] == "19:00-21:00"' "partial update did not merge"
pass "7b webhook reservation.updated merged (6 guests, confirmed, name kept)"

webhook reservation.cancelled "{\"reservation_id\": \"$RID2\"}"
expect_code 200 "webhook reservation.cancelled"
check 'd["received"] is True' "cancelled webhook not received"
req GET "$API/reservation/$RID2"
check 'd["status"] == "cancelled"' "$RID2 is not cancelled after reservation.cancelled"
# seed flow 3: cancelling the seated reservation releases its table
webhook reservation.cancelled "{\"reservation_id\": \"$RID\"}"
expect_code 200 "webhook reservation.cancelled of the seated reservation"
req GET "$API/reservation/$RID"
check 'd["status"] == "cancelled"' "$RID is not cancelled after reservation.cancelled"
req GET "$API/reservation/tables?store_id=$STORE"
expect_code 200 "tables"
check "\"$RID\" not in json.dumps(d)" "table A08 still held after the cancellation"
pass "7c webhook reservation.cancelled ($RID2 and the seated $RID cancelled, A08 released)"

# a bad signature is refused and changes nothing
HEXKEY_SAVED=$HEXKEY
HEXKEY=00$HEXKEY
webhook reservation.updated "{\"reservation_id\": \"$RID2\", \"customer_count\": 9}"
HEXKEY=$HEXKEY_SAVED
expect_code 401 "webhook with a bad signature"
req GET "$API/reservation/$RID2"
check 'd["customer_count"] == 6' "a webhook with a bad signature was applied"
pass "7d webhook with a bad signature refused (401)"

echo "all Yiding reservation steps passed ($BASE_URL)"

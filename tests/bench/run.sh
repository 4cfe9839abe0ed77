#!/bin/sh
# make bench: the module against Lua scripts doing the same work, bytes per
# reservation, and the sidecar against the same reads straight to Redis.
# Starts its own redis-server (module loaded, AOF off) and sidecar on free loopback
# ports in a temp folder, removes both on exit. Prints a table and writes
# build/bench/latest.json. What is measured and why: docs/bench.md.
#   BENCH_QUICK=1 sh tests/bench/run.sh   a short smoke run
#   BENCH_CALLGRIND=0                     skip the instruction counts under valgrind
#   BENCH_N=50000                         reservations loaded (default 20000)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
for f in module/resv.so sidecar/resv-sidecar; do
    [ -x "$f" ] || [ -f "$f" ] || { echo "bench: $f is not built (run make)" >&2; exit 1; }
done
for t in redis-server redis-cli redis-benchmark python3; do
    command -v "$t" >/dev/null || { echo "bench: $t not found (run scripts/setup.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/resv-bench.XXXXXX")
redis_pid=""
sidecar_pid=""
cleanup() {
    [ -n "$sidecar_pid" ] && kill "$sidecar_pid" 2>/dev/null && wait "$sidecar_pid" 2>/dev/null
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf "$tmp"
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# wrk for the sidecar part: a Debian package, installed here when missing and root
if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "bench: installing wrk (Debian package)"
        export DEBIAN_FRONTEND=noninteractive
        { apt-get install -y -q wrk || { apt-get update -q && apt-get install -y -q wrk; }; } \
            >"$tmp/apt.log" 2>&1 || { tail -5 "$tmp/apt.log"; echo "bench: could not install wrk"; }
    else
        echo "bench: wrk is missing and this is not root: the sidecar part will be skipped"
    fi
fi

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --dir "$tmp" --save "" --appendonly no \
    --loadmodule "$top/module/resv.so" --logfile redis.log --daemonize no &
redis_pid=$!
i=0
until redis-cli -p "$port" PING >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$redis_pid" 2>/dev/null; then
        echo "bench: redis-server did not start:" >&2
        tail -20 "$tmp/redis.log" >&2 || true
        exit 1
    fi
    sleep 0.1
done

export BENCH_PORT="$port" BENCH_TMP="$tmp"
echo "bench: redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on port $port" \
    "${BENCH_QUICK:+(BENCH_QUICK)}"

# memory first: the server is fresh
python3 tests/bench/bench.py memory
python3 tests/bench/bench.py compare
python3 tests/bench/bench.py floor

# the sidecar only now, so it does not disturb the parts above
sport=$(free_port)
head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$tmp/jwt.secret"
sidecar/resv-sidecar --listen "127.0.0.1:$sport" --redis "127.0.0.1:$port" \
    --jwt-secret-file "$tmp/jwt.secret" >/dev/null 2>"$tmp/sidecar.log" &
sidecar_pid=$!
i=0
until python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$sport/healthz', timeout=1)" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$sidecar_pid" 2>/dev/null; then
        echo "bench: the sidecar did not start:" >&2
        tail -20 "$tmp/sidecar.log" >&2 || true
        exit 1
    fi
    sleep 0.1
done
BENCH_TOKEN=$(sidecar/resv-sidecar --jwt-secret-file "$tmp/jwt.secret" --mint-token admin)
export BENCH_SIDECAR_PORT="$sport" BENCH_TOKEN
python3 tests/bench/bench.py sidecar

python3 tests/bench/bench.py report

#!/bin/sh
# make bench: the module against the lean way in plain Redis and against Lua scripts
# doing the same work, RESV.FIND against RESV.GET, bytes per reservation, and the
# sidecar (1 and 2 workers) against RESV.GET unpipelined and against a minimal gateway
# of our own (tests/bench/gateway.c).
# Starts its own redis-server (module loaded, AOF off), sidecar and gateway on free
# loopback ports in a temp folder, removes them on exit. Prints a table and writes
# build/bench/latest.json and latest.png. What is measured and why: docs/bench.md.
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
sidecar2_pid=""
last_pid=""
gateway_pid=""
cleanup() {
    # each stop may fail (already gone): that must not end the cleanup under set -e
    for p in $gateway_pid $last_pid $sidecar2_pid $sidecar_pid $redis_pid; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || :
    done
    rm -rf "$tmp"
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# wrk (HTTP part), gnuplot (chart), valgrind (instruction counts): Debian packages,
# installed here when missing, the way scripts/setup.sh does; without them the part
# that needs one is skipped with a message.
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
missing=""
for p in wrk:wrk gnuplot:gnuplot-nox valgrind:valgrind; do
    command -v "${p%%:*}" >/dev/null || missing="$missing ${p#*:}"
done
if [ -n "$missing" ]; then
    echo "bench: installing$missing (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    { $sudo apt-get install -y -q --no-install-recommends $missing ||
        { $sudo apt-get update -q && $sudo apt-get install -y -q --no-install-recommends $missing; }; } \
        >"$tmp/apt.log" 2>&1 || { tail -5 "$tmp/apt.log"; echo "bench: could not install$missing"; }
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

# the sidecars only now, so they do not disturb the parts above: one of one worker (one
# event loop), one of two (SO_REUSEPORT, a loop each), on ports of their own
head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$tmp/jwt.secret"
start_sidecar() { # workers port
    sidecar/resv-sidecar --listen "127.0.0.1:$2" --redis "127.0.0.1:$port" --workers "$1" \
        --jwt-secret-file "$tmp/jwt.secret" >/dev/null 2>"$tmp/sidecar$1.log" &
    last_pid=$!
    i=0
    until python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$2/healthz', timeout=1)" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$last_pid" 2>/dev/null; then
            echo "bench: the sidecar ($1 workers) did not start:" >&2
            tail -20 "$tmp/sidecar$1.log" >&2 || true
            exit 1
        fi
        sleep 0.1
    done
}
sport=$(free_port)
start_sidecar 1 "$sport"
sidecar_pid=$last_pid
sport2=$(free_port)
start_sidecar 2 "$sport2"
sidecar2_pid=$last_pid
BENCH_TOKEN=$(sidecar/resv-sidecar --jwt-secret-file "$tmp/jwt.secret" --mint-token admin)
export BENCH_SIDECAR_PORT="$sport" BENCH_SIDECAR2_PORT="$sport2" BENCH_TOKEN
echo "bench: sidecars of 1 and 2 workers (pids $sidecar_pid $sidecar2_pid), $(nproc) cores"

# the floor for the HTTP layer: evhttp + async hiredis, HGETALL to JSON (not part of make)
gport=$(free_port)
if cc -std=c11 -O2 -Wall -Wextra -Werror -o "$tmp/gateway" tests/bench/gateway.c \
    $(pkg-config --cflags --libs hiredis libevent jansson) 2>"$tmp/gateway.build"; then
    "$tmp/gateway" "$gport" "$port" "resv:{peak}:r:" 2>"$tmp/gateway.log" &
    gateway_pid=$!
    i=0
    until python3 -c "import socket; socket.create_connection(('127.0.0.1', $gport), 1)" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 50 ] && { echo "bench: the gateway did not start" >&2; exit 1; }
        sleep 0.1
    done
    export BENCH_GATEWAY_PORT="$gport"
else
    cat "$tmp/gateway.build" >&2
    echo "bench: tests/bench/gateway.c did not build: no gateway row"
fi
python3 tests/bench/bench.py sidecar

python3 tests/bench/bench.py report

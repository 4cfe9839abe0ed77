#!/bin/sh
# `make run`: Redis with the module (AOF on, data in data/) and the sidecar, both on
# loopback, in the foreground; Ctrl-C stops both.
#   RESV_REDIS_PORT (6379)  RESV_HTTP (127.0.0.1:8080)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
port=${RESV_REDIS_PORT:-6379}
http=${RESV_HTTP:-127.0.0.1:8080}
data="$top/data"
mkdir -p "$data"

if redis-cli -p "$port" PING >/dev/null 2>&1; then
    echo "run: something already answers on port $port; stop it or set RESV_REDIS_PORT" >&2
    exit 1
fi

# A development JWT secret, made once and kept with the data.
[ -s "$data/jwt.secret" ] || { umask 077; openssl rand -hex 32 >"$data/jwt.secret"; }

redis-server "$top/conf/redis.conf" --port "$port" --dir "$data" \
    --logfile "$data/redis.log" --loadmodule "$top/module/resv.so" &
redis_pid=$!
sidecar_pid=""
stop() {
    [ -z "$sidecar_pid" ] || kill -TERM "$sidecar_pid" 2>/dev/null || true
    redis-cli -p "$port" SHUTDOWN >/dev/null 2>&1 || kill -TERM "$redis_pid" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

i=0
until redis-cli -p "$port" PING >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "run: redis-server did not start" >&2; exit 1; }
    sleep 0.1
done

if [ -x "$top/sidecar/resv-sidecar" ]; then
    "$top/sidecar/resv-sidecar" --config "$top/conf/resv-sidecar.conf" --listen "$http" \
        --redis "127.0.0.1:$port" --jwt-secret-file "$data/jwt.secret" &
    sidecar_pid=$!
fi

token=$("$top/scripts/mint-token" --secret-file "$data/jwt.secret" admin 2>/dev/null || true)
cat <<TXT

  Redis (module resv, AOF in data/):  redis-cli -p $port     (log: data/redis.log)
  HTTP API:                           http://$http/api/v1/integrations
  Development admin token (1 day):
    export TOKEN=$token
    curl -H "Authorization: Bearer \$TOKEN" http://$http/api/v1/integrations/systems

  Ctrl-C stops both.
TXT
wait

#!/bin/sh
# `make cluster-run`: the local Redis Cluster of scripts/cluster.sh (3 masters, 3
# replicas, module and AOF, data in data/cluster) and the sidecar in front of it, in the
# foreground; Ctrl-C stops both. The sidecar is given one seed node and finds the rest.
# Prints the same as `make run`.
#   RESV_HTTP (127.0.0.1:8080), and cluster.sh's RESV_CLUSTER_* variables
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
http=${RESV_HTTP:-127.0.0.1:8080}
data="$top/data"
export RESV_CLUSTER_DIR="${RESV_CLUSTER_DIR:-$data/cluster}"
mkdir -p "$data"

[ -s "$data/jwt.secret" ] || { umask 077; openssl rand -hex 32 >"$data/jwt.secret"; }

sh "$top/scripts/cluster.sh" start
seed=$(head -n 1 "$RESV_CLUSTER_DIR/ports")
sidecar_pid=""
stopped=""
stop() {
    [ -z "$stopped" ] || return 0
    stopped=1
    [ -z "$sidecar_pid" ] || kill -TERM "$sidecar_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    sh "$top/scripts/cluster.sh" stop || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

"$top/sidecar/resv-sidecar" --config "$top/conf/resv-sidecar.conf" --listen "$http" \
    --redis "127.0.0.1:$seed" --jwt-secret-file "$data/jwt.secret" &
sidecar_pid=$!

i=0
until curl -fs "http://$http/healthz" >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "cluster-run: the sidecar did not become ready" >&2; exit 1; }
    sleep 0.1
done

token=$("$top/scripts/mint-token" --secret-file "$data/jwt.secret" admin 2>/dev/null || true)
cat <<TXT

  Redis Cluster (module resv, AOF):   redis-cli -c -p $seed    (data: $RESV_CLUSTER_DIR)
                                      status: sh scripts/cluster.sh status
  HTTP API:                           http://$http/api/v1/integrations
  Development admin token (1 day):
    export TOKEN=$token
    curl -H "Authorization: Bearer \$TOKEN" http://$http/api/v1/integrations/systems

  Ctrl-C stops both.
TXT
wait "$sidecar_pid"

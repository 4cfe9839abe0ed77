#!/bin/sh
# A local Redis Cluster for development and tests: 3 masters and 3 replicas on loopback,
# each with the module loaded and AOF on.
#
#   scripts/cluster.sh start     start it (created on first start, restarted from its
#                                data afterwards); prints the nodes
#   scripts/cluster.sh status    each node: address, role, cluster_state, slots
#   scripts/cluster.sh stop      shut every node down (data kept)
#
# Environment:
#   RESV_CLUSTER_DIR           data folder (data/cluster of the project, git-ignored);
#                              node N lives in <dir>/node-N, the ports in <dir>/ports
#   RESV_MODULE                the module to load (module/resv.so)
#   RESV_CLUSTER_PORT_BASE     the first port tried (7000); ports are taken upwards, each
#                              one only if it and its cluster bus port (+10000) are free
#   RESV_CLUSTER_NODE_TIMEOUT  cluster-node-timeout in ms (3000): how long a master may be
#                              silent before its replica takes over
#   RESV_CLUSTER_WAIT          seconds to wait for the cluster to be ready (60)
#   RESV_SERVER_PRELOAD        LD_PRELOAD for redis-server only (the tests' sanitizer
#                              runtime for build/asan/resv.so; not for redis-cli or sh)
#
# Ports are free when a redis-server actually binds both of them: a node is started on a
# candidate port and, when it exits (the port or its bus port is taken) or another
# server answers there, the next candidate is tried. Checking first and binding later
# would race with anyone else taking ports on this machine (other test runs).
# The state file holds one port a line, read as words: shellcheck's SC2013 is moot.
# shellcheck disable=SC2013
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${RESV_CLUSTER_DIR:-$top/data/cluster}
module=${RESV_MODULE:-$top/module/resv.so}
base=${RESV_CLUSTER_PORT_BASE:-7000}
timeout=${RESV_CLUSTER_NODE_TIMEOUT:-3000}
wait_s=${RESV_CLUSTER_WAIT:-60}
nodes=6
state="$dir/ports"

die() {
    echo "cluster: $*" >&2
    exit 1
}

# redis-cli has no reply timeout: a port held by something that is not Redis would
# hang it.
cli() {
    timeout 5 redis-cli -h 127.0.0.1 -p "$@"
}

# The pid of the server answering on port $1, empty when none answers.
answering_pid() {
    cli "$1" INFO server 2>/dev/null | sed -n 's/^process_id:\([0-9]*\).*/\1/p'
}

# 0 while process $1 runs. An exited server we started is no longer our child (start
# returned long ago), and init may leave it a zombie for seconds, which kill -0 counts
# as alive.
alive() {
    case "$(ps -o stat= -p "$1" 2>/dev/null)" in
        "" | Z*) return 1 ;;
        *) return 0 ;;
    esac
}

# Starts node $1 (its folder) on port $2 in the background; prints its pid.
node_spawn() {
    mkdir -p "$dir/node-$1"
    # env execs redis-server, so $! is the server's pid.
    env ${RESV_SERVER_PRELOAD:+LD_PRELOAD="$RESV_SERVER_PRELOAD"} \
        redis-server "$top/conf/redis.conf" --port "$2" --dir "$dir/node-$1" \
        --logfile redis.log --pidfile "$dir/node-$1/redis.pid" --loadmodule "$module" \
        --cluster-enabled yes --cluster-config-file nodes.conf \
        --cluster-node-timeout "$timeout" --enable-debug-command local \
        --repl-ping-replica-period 1 --repl-diskless-sync-delay 0 \
        </dev/null >/dev/null 2>>"$dir/node-$1/stderr.log" &
    echo $!
}

# Waits until the server of pid $2 answers on port $1: 0 when it does, 1 when it exited
# (or someone else answers there).
node_wait_up() {
    i=0
    while [ $i -lt 200 ]; do
        alive "$2" || return 1
        p=$(answering_pid "$1")
        if [ -n "$p" ]; then
            [ "$p" = "$2" ] && return 0
            kill "$2" 2>/dev/null || true
            return 1
        fi
        i=$((i + 1))
        sleep 0.05
    done
    kill "$2" 2>/dev/null || true
    return 1
}

# First start: nodes on free ports, then `redis-cli --cluster create`.
cluster_create() {
    mkdir -p "$dir"
    port=$base
    ports=""
    n=1
    while [ $n -le $nodes ]; do
        [ "$port" -le 55535 ] || die "no free ports from $base"
        if [ -z "$(answering_pid "$port")" ]; then
            rm -rf "$dir/node-$n"
            pid=$(node_spawn $n "$port")
            if node_wait_up "$port" "$pid"; then
                ports="$ports $port"
                n=$((n + 1))
            fi
        fi
        port=$((port + 1))
    done
    # shellcheck disable=SC2086 # one port a line
    printf '%s\n' $ports >"$state"
    addrs=""
    for p in $ports; do addrs="$addrs 127.0.0.1:$p"; done
    # The first three become masters, each of the last three a replica of one of them.
    # shellcheck disable=SC2086
    if ! redis-cli --cluster create $addrs --cluster-replicas 1 --cluster-yes \
        >"$dir/create.log" 2>&1; then
        cat "$dir/create.log" >&2
        cmd_stop >/dev/null
        die "redis-cli --cluster create failed"
    fi
}

# Later starts: the same nodes on the same ports; nodes.conf brings the cluster back.
cluster_restart() {
    n=1
    for p in $(cat "$state"); do
        [ -z "$(answering_pid "$p")" ] || die "port $p is taken; stop what runs there"
        pid=$(node_spawn $n "$p")
        node_wait_up "$p" "$pid" || die "node $n did not start on port $p: $(tail -n 3 "$dir/node-$n/redis.log")"
        n=$((n + 1))
    done
}

# 0 when every node says cluster_state:ok, knows all nodes, every replica is in sync,
# and every node's CLUSTER SLOTS (what cluster clients read) lists all six nodes: Redis
# leaves a replica out until gossip shows it a non-zero replication offset, which
# repl-ping-replica-period 1 (instead of 10 s) brings within a second or two. (And
# repl-diskless-sync-delay 0: each master has one replica, no need to wait 5 s for more.)
cluster_ready() {
    for p in $(cat "$state"); do
        info=$(cli "$p" CLUSTER INFO 2>/dev/null) || return 1
        echo "$info" | grep -q '^cluster_state:ok' || return 1
        echo "$info" | grep -q "^cluster_known_nodes:$nodes" || return 1
        repl=$(cli "$p" INFO replication 2>/dev/null) || return 1
        if echo "$repl" | grep -q '^role:slave'; then
            echo "$repl" | grep -q '^master_link_status:up' || return 1
        fi
        ids=$(cli "$p" CLUSTER SLOTS 2>/dev/null | grep -cE '^[0-9a-f]{40}$') || return 1
        [ "$ids" -eq $nodes ] || return 1
    done
    return 0
}

cluster_running() {
    [ -f "$state" ] || return 1
    for p in $(cat "$state"); do
        [ -n "$(answering_pid "$p")" ] && return 0
    done
    return 1
}

cmd_start() {
    command -v redis-server >/dev/null || die "redis-server not found (run scripts/setup.sh)"
    [ -f "$module" ] || die "no module at $module (run make)"
    cluster_running && die "already running (scripts/cluster.sh stop first)"
    if [ -f "$state" ] && [ -f "$dir/node-1/nodes.conf" ]; then
        cluster_restart
    else
        cluster_create
    fi
    i=0
    until cluster_ready; do
        i=$((i + 1))
        [ $i -lt $((wait_s * 10)) ] || { cmd_status >&2; die "not ready after ${wait_s}s"; }
        sleep 0.1
    done
    cmd_status
}

cmd_status() {
    [ -f "$state" ] || die "no cluster in $dir"
    n=1
    for p in $(cat "$state"); do
        if [ -z "$(answering_pid "$p")" ]; then
            echo "127.0.0.1:$p  node-$n  down"
        else
            repl=$(cli "$p" INFO replication | tr -d '\r')
            role=$(echo "$repl" | sed -n 's/^role:\([a-z]*\).*/\1/p')
            [ "$role" = slave ] && role="replica of $(echo "$repl" | sed -n 's/^master_port://p')"
            cs=$(cli "$p" CLUSTER INFO | sed -n 's/^\(cluster_state:[a-z]*\).*/\1/p')
            # The slot ranges of this node: the fields after the 8th of its "myself" line.
            slots=$(cli "$p" CLUSTER NODES | awk '/myself/ { s = ""; for (i = 9; i <= NF; i++) s = s " " $i; print s }')
            echo "127.0.0.1:$p  node-$n  $role  $cs${slots:+  slots$slots}"
        fi
        n=$((n + 1))
    done
}

# Stops node $1 on port $2 if it is ours: the pid answering there is the one we started.
node_stop() {
    pid=$(cat "$dir/node-$1/redis.pid" 2>/dev/null || true)
    [ -n "$pid" ] && [ "$(answering_pid "$2")" = "$pid" ] || return 0
    cli "$2" SHUTDOWN >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    i=0
    while alive "$pid" && [ $i -lt 150 ]; do
        i=$((i + 1))
        sleep 0.1
    done
    if alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
}

cmd_stop() {
    [ -f "$state" ] || die "no cluster in $dir"
    # Replicas first: a master stopped before its replica would leave the replica
    # trying to reconnect (or, given the node timeout, to fail over) meanwhile.
    for pass in slave master; do
        n=1
        for p in $(cat "$state"); do
            role=$(cli "$p" INFO replication 2>/dev/null | sed -n 's/^role:\([a-z]*\).*/\1/p')
            if [ "$role" = "$pass" ] || { [ "$pass" = master ] && [ -n "$role" ]; }; then
                node_stop $n "$p"
            fi
            n=$((n + 1))
        done
    done
    echo "cluster: stopped (data kept in $dir)"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac

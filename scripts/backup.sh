#!/bin/sh
# Backs up the running Redis (all reservations, systems and audit trails: they are
# plain Redis keys) as one RDB snapshot:
#
#   scripts/backup.sh [-h host] [-p port] [-o dir]
#
# Writes <dir>/resv-YYYYmmdd-HHMMSS.rdb and prints its path. Defaults: 127.0.0.1,
# $RESV_REDIS_PORT or 6379, backups/ in the project (git-ignored). A password, if any,
# goes in REDISCLI_AUTH (redis-cli reads it from there, it never shows in `ps`).
# Bring a snapshot back with scripts/restore.sh.
#
# How: `redis-cli --rdb`, which asks the server for a fresh RDB the way a replica does
# (Redis 7 "rdb-only" sync): the server forks and streams a point-in-time snapshot, so
# it is consistent, and it does not depend on the server's own dump.rdb, its `save`
# settings or LASTSAVE timing (BGSAVE + polling can be fooled by a concurrent save and
# leaves the file on the server's disk, not where we want it). It works against a
# remote server too. The file is checked with redis-check-rdb before it gets its final
# name, so a file named resv-*.rdb is always a complete snapshot. Expect it to take
# about 5 s on an idle server: Redis waits repl-diskless-sync-delay for other replicas
# to share the snapshot before it streams it.
set -eu

host=127.0.0.1
port=${RESV_REDIS_PORT:-6379}
top=$(cd "$(dirname "$0")/.." && pwd)
dir="$top/backups"

usage() {
    echo "usage: $0 [-h host] [-p port] [-o dir]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
        -h) [ $# -ge 2 ] || usage; host=$2; shift 2 ;;
        -p) [ $# -ge 2 ] || usage; port=$2; shift 2 ;;
        -o) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
        *) usage ;;
    esac
done

mkdir -p "$dir"
# Two backups within one second must not overwrite each other.
while :; do
    out="$dir/resv-$(date +%Y%m%d-%H%M%S).rdb"
    [ -e "$out" ] || break
    sleep 1
done
part="$out.part"
trap 'rm -f "$part"' EXIT

if ! redis-cli -h "$host" -p "$port" --rdb "$part" >/dev/null 2>"$part.log"; then
    cat "$part.log" >&2
    rm -f "$part.log"
    echo "backup: could not get a snapshot from $host:$port" >&2
    exit 1
fi
rm -f "$part.log"
if [ "$(head -c 5 "$part")" != "REDIS" ] || ! redis-check-rdb "$part" >/dev/null 2>&1; then
    echo "backup: the snapshot from $host:$port did not pass redis-check-rdb" >&2
    exit 1
fi
mv "$part" "$out"
trap - EXIT
echo "$out"

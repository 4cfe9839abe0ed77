#!/bin/sh
# Puts a snapshot made by scripts/backup.sh back into a STOPPED server's data folder:
#
#   scripts/restore.sh -f FILE [--dir DATADIR] [-h host] [-p port] [--force]
#
# DATADIR is the server's `dir` (default: data/ of the project, where `make run` keeps
# it); -h/-p (default 127.0.0.1, $RESV_REDIS_PORT or 6379) is where that server
# listens: the script refuses to run while something answers there. Then start the
# server the usual way (`make run`, AOF on); it comes up with exactly the snapshot.
#
# Why not just copy the file to dump.rdb: with `appendonly yes` Redis loads only the
# AOF. Checked on Redis 7.0.15: with AOF on and no appendonlydir, it ignores dump.rdb,
# starts EMPTY and creates a new, empty AOF (the restore is silently lost).
#
# So the snapshot becomes the AOF itself. Since Redis 7.0 the AOF is a directory
# (appenddirname) with a manifest listing a base file, which may be an RDB, and
# incremental files. We write a fresh appendonlydir whose manifest names our snapshot
# as the base:
#     appendonlydir/appendonly.aof.1.base.rdb   (the snapshot)
#     appendonlydir/appendonly.aof.manifest     "file appendonly.aof.1.base.rdb seq 1 type b"
# At start Redis loads the base and creates the incr file next to it; every later
# write goes on top, and later rewrites work as usual. The server starts once, with
# its normal command line; no temporary "appendonly no" start and no CONFIG SET
# dance, and the script needs not know how the server is started.
# The snapshot is also copied to dump.rdb, so a start with AOF off loads it too.
# Nothing is deleted: the old appendonlydir, dump.rdb (and a pre-7 appendonly.aof)
# are renamed to *.before-restore-YYYYmmdd-HHMMSS.
#
# Names differ from Redis's defaults? --appenddirname, --appendfilename, --dbfilename.
set -eu

host=127.0.0.1
port=${RESV_REDIS_PORT:-6379}
top=$(cd "$(dirname "$0")/.." && pwd)
dir="$top/data"
file=""
force=0
aofdir=appendonlydir
aofname=appendonly.aof
dbfile=dump.rdb

usage() {
    echo "usage: $0 -f FILE [--dir DATADIR] [-h host] [-p port] [--force]" >&2
    echo "       [--appenddirname D] [--appendfilename F] [--dbfilename F]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    [ "$1" = --force ] && { force=1; shift; continue; }
    [ $# -ge 2 ] || usage
    case "$1" in
        -f) file=$2 ;;
        --dir) dir=$2 ;;
        -h) host=$2 ;;
        -p) port=$2 ;;
        --appenddirname) aofdir=$2 ;;
        --appendfilename) aofname=$2 ;;
        --dbfilename) dbfile=$2 ;;
        *) usage ;;
    esac
    shift 2
done
[ -n "$file" ] || usage
[ -f "$file" ] || { echo "restore: no such file: $file" >&2; exit 1; }
[ -d "$dir" ] || { echo "restore: no such data folder: $dir" >&2; exit 1; }

# --force skips only the check of the file (for a snapshot redis-check-rdb cannot read).
if [ "$force" = 0 ]; then
    if [ "$(head -c 5 "$file")" != "REDIS" ] || ! redis-check-rdb "$file" >/dev/null 2>&1; then
        echo "restore: $file is not a valid RDB (redis-check-rdb); nothing changed" >&2
        exit 1
    fi
fi

# Replacing the files under a running server would be undone (or corrupted) by it.
if redis-cli -h "$host" -p "$port" PING >/dev/null 2>&1; then
    echo "restore: a server answers on $host:$port; stop it first" \
        "(redis-cli -h $host -p $port SHUTDOWN); nothing changed" >&2
    exit 1
fi

ts=$(date +%Y%m%d-%H%M%S)
aside() {
    if [ -e "$dir/$1" ]; then
        mv "$dir/$1" "$dir/$1.before-restore-$ts"
        echo "restore: kept the previous $1 as $dir/$1.before-restore-$ts" >&2
    fi
}

# Build the new AOF folder beside the old one, then swap: an interrupted run leaves
# the old data in place.
new="$dir/$aofdir.restoring"
rm -rf "$new"
mkdir "$new"
base="$aofname.1.base.rdb"
cp "$file" "$new/$base"
printf 'file %s seq 1 type b\n' "$base" >"$new/$aofname.manifest"
cp "$file" "$dir/$dbfile.restoring"

aside "$aofdir"
aside "$aofname"
aside "$dbfile"
mv "$new" "$dir/$aofdir"
mv "$dir/$dbfile.restoring" "$dir/$dbfile"

echo "restore: $file is in place in $dir; start the server as usual (make run)" >&2

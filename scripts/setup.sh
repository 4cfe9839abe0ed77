#!/bin/sh
# Installs what the build, the tests and `make run` need, from Debian packages only,
# and takes redismodule.h from the Debian source package of the installed redis-server
# so that header and server always match. Idempotent: a second run does nothing.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
pkgs="build-essential pkg-config redis-server redis-tools libhiredis-dev libevent-dev
      libjansson-dev libcmocka-dev libssl-dev uuid-dev libjwt-dev curl openssl python3
      clang clang-format libclang-rt-14-dev dpkg-dev tzdata python3-jsonschema"

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi

# redismodule.h of exactly the installed server version.
ver=$(dpkg-query -W -f='${Version}' redis-server)
stamp="$build/redismodule.version"
if [ -f "$build/include/redismodule.h" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$ver" ]; then
    exit 0
fi

# A deb-src entry derived from the machine's own Debian sources, so the source comes
# from the same mirror and suite as the binary.
srclist=/etc/apt/sources.list.d/resv-deb-src.sources
if ! apt-get source --print-uris --download-only "redis=$ver" >/dev/null 2>&1; then
    tmp=$(mktemp)
    for f in /etc/apt/sources.list.d/debian.sources; do
        [ -f "$f" ] && sed -n 's/^Types:.*\bdeb\b.*/Types: deb-src/;p' "$f" >>"$tmp"
    done
    if [ ! -s "$tmp" ] && [ -f /etc/apt/sources.list ]; then
        grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' >"$tmp"
        srclist=/etc/apt/sources.list.d/resv-deb-src.list
    fi
    $sudo cp "$tmp" "$srclist"
    rm -f "$tmp"
    $sudo apt-get update -qq
fi

mkdir -p "$build/src" "$build/include"
cd "$build/src"
apt-get source --download-only -qq "redis=$ver" >/dev/null
orig=$(ls redis_*.orig.tar.* | head -n 1)
tar -xf "$orig" --wildcards --strip-components=2 -C "$build/include" '*/src/redismodule.h'
echo "$ver" >"$stamp"
echo "setup: redismodule.h from redis $ver"

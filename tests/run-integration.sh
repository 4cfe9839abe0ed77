#!/bin/sh
# Runs every integration test: tests/integration/test_*.py and test_*.sh, and the
# seed's end-to-end script. Each starts its own redis-server (and sidecar) on free
# ports in a temp folder.
# RESV_ASAN=1 runs them against the sanitizer build (make asan).
set -eu
cd "$(dirname "$0")/.."
failed=""
for t in tests/integration/test_*.py tests/integration/test_*.sh scripts/test_yiding_reservation.sh; do
    [ -e "$t" ] || continue
    echo "== $t"
    case "$t" in
        *.py) python3 "$t" || failed="$failed $t" ;;
        scripts/*) sh "$t" --own-stack || failed="$failed $t" ;;
        *.sh) sh "$t" || failed="$failed $t" ;;
    esac
done
if [ -n "$failed" ]; then
    echo "FAILED:$failed"
    exit 1
fi

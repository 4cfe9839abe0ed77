#!/bin/sh
# Builds the libFuzzer harnesses of tests/fuzz/ with ASan and UBSan and runs each for a
# short time (FUZZ_SECONDS, default 20) from its committed seed corpus.
#   sh tests/fuzz/run.sh [name ...]        names: time model history sync webhook auth tz (default all)
# New inputs go to build/fuzz/corpus/<name>/ (kept between runs, not committed); a
# crash leaves its input in build/fuzz/artifacts/ and makes the script fail.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=build/fuzz
seconds=${FUZZ_SECONDS:-20}
CLANG=${CLANG:-clang}
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -Iinclude -Isidecar"

command -v "$CLANG" >/dev/null || { echo "fuzz: $CLANG not found (scripts/setup.sh installs clang)" >&2; exit 1; }

names=${*:-time model history sync webhook auth tz}
mkdir -p "$out/artifacts"
for n in $names; do
    case "$n" in
    time|model) src="include/resv_time.c include/resv_model.c"; libs="" ;;
    history) src="include/resv_history.c"; libs="" ;;
    tz) src="include/resv_tz.c include/resv_time.c"; libs="" ;;
    sync) src="sidecar/reservation_json.c sidecar/redis_conn.c include/resv_model.c include/resv_time.c"
          libs="$(pkg-config --libs jansson hiredis libevent)" ;;
    webhook) src="sidecar/webhook_signature.c"; libs="$(pkg-config --libs openssl)" ;;
    auth) src="sidecar/auth.c include/resv_model.c include/resv_time.c"
          libs="$(pkg-config --libs libjwt jansson openssl)" ;;
    *) echo "fuzz: unknown harness '$n'" >&2; exit 2 ;;
    esac
    echo "== fuzz_$n: build"
    # shellcheck disable=SC2086
    $CLANG $flags $(pkg-config --cflags libjwt jansson openssl hiredis) -o "$out/fuzz_$n" \
        "tests/fuzz/fuzz_$n.c" $src $libs
    mkdir -p "$out/corpus/$n"
    echo "== fuzz_$n: ${seconds}s"
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$out/fuzz_$n" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
        -print_final_stats=0 -artifact_prefix="$out/artifacts/fuzz_$n-" \
        "$out/corpus/$n" "tests/fuzz/corpus/$n" 2>"$out/fuzz_$n.log" || {
        tail -n 60 "$out/fuzz_$n.log" >&2
        echo "fuzz_$n: FAILED (log $out/fuzz_$n.log, input in $out/artifacts/)" >&2
        exit 1
    }
    grep -E '^(#[0-9]+[[:space:]]+DONE|Done )' "$out/fuzz_$n.log" | tail -n 1 || true
done
echo "fuzz: all harnesses ran clean"

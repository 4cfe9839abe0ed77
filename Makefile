# The reservation store: a Redis module (module/resv.so) and its HTTP sidecar
# (sidecar/resv-sidecar), sharing the model code in include/.
#   make          build both          make test    setup, build, every test (also under ASan)
#   make run      Redis + sidecar     make asan    sanitizer build in build/asan/
#   make cluster-run  a local Redis Cluster (scripts/cluster.sh) + the sidecar in cluster mode
#   make bench    benchmarks          make fuzz    libFuzzer harnesses
#   make asan-test  the integration tests against the sanitizer build
#   make format   clang-format every C file   make format-check   what make test runs
#   make test-cluster  only the tests against a local Redis Cluster (also part of make test)

CC ?= cc
SETUP := build/.setup-done
WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
BASEFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude -fno-common
PKGS := hiredis libevent libevent_pthreads jansson libjwt openssl uuid

SHARED_SRC := $(wildcard include/*.c)
MODULE_SRC := $(wildcard module/*.c)
SIDECAR_SRC := $(wildcard sidecar/*.c)
SIDECAR_LIB_SRC := $(filter-out sidecar/main.c,$(SIDECAR_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,build/tests/%,$(UNIT_SRC))
# A unit test named after a file of include/ (test_model.c for include/resv_model.c)
# tests the pure rules: it links include/ and cmocka only, no libevent, hiredis or
# sidecar. The other unit tests link the sidecar's objects and libraries.
PURE_UNIT_BIN := $(filter $(patsubst include/resv_%.c,build/tests/test_%,$(SHARED_SRC)),$(UNIT_BIN))
SIDECAR_UNIT_BIN := $(filter-out $(PURE_UNIT_BIN),$(UNIT_BIN))
SIDECAR_BIN := $(if $(SIDECAR_SRC),sidecar/resv-sidecar)

.PHONY: all setup structure format-check test unit integration run cluster-run asan asan-test bench fuzz clean format test-cluster

all: module/resv.so $(SIDECAR_BIN)

# Setup runs again whenever the script changes; it is idempotent and fast when done.
$(SETUP): scripts/setup.sh
	sh scripts/setup.sh
	@mkdir -p build && touch $@

setup: $(SETUP)

build_module = $(CC) $(BASEFLAGS) $(1) -fPIC -Ibuild/include -shared -o $@ \
	$(MODULE_SRC) $(SHARED_SRC) -luuid
build_sidecar = $(CC) $(BASEFLAGS) $(1) -Isidecar $$(pkg-config --cflags $(PKGS)) -o $@ \
	$(SIDECAR_SRC) $(SHARED_SRC) $$(pkg-config --libs $(PKGS)) -levent_openssl
MODULE_DEPS := $(MODULE_SRC) $(SHARED_SRC) $(wildcard module/*.h include/*.h) $(SETUP)
SIDECAR_DEPS := $(SIDECAR_SRC) $(SHARED_SRC) $(wildcard sidecar/*.h include/*.h) $(SETUP)
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

module/resv.so: $(MODULE_DEPS)
	$(call build_module,$(CFLAGS))

sidecar/resv-sidecar: $(SIDECAR_DEPS)
	$(call build_sidecar,$(CFLAGS))

build/asan/resv.so: $(MODULE_DEPS)
	@mkdir -p build/asan
	$(call build_module,$(ASAN_FLAGS))

build/asan/resv-sidecar: $(SIDECAR_DEPS)
	@mkdir -p build/asan
	$(call build_sidecar,$(ASAN_FLAGS))

$(PURE_UNIT_BIN): build/tests/%: tests/unit/%.c $(SHARED_SRC) $(wildcard include/*.h) $(SETUP)
	@mkdir -p build/tests
	$(CC) $(BASEFLAGS) $(CFLAGS) $$(pkg-config --cflags cmocka) -o $@ \
		$< $(SHARED_SRC) $$(pkg-config --libs cmocka)

$(SIDECAR_UNIT_BIN): build/tests/%: tests/unit/%.c $(SHARED_SRC) $(SIDECAR_LIB_SRC) \
		$(wildcard include/*.h sidecar/*.h) $(SETUP)
	@mkdir -p build/tests
	$(CC) $(BASEFLAGS) $(CFLAGS) -Isidecar $$(pkg-config --cflags $(PKGS) cmocka) -o $@ \
		$< $(SHARED_SRC) $(SIDECAR_LIB_SRC) $$(pkg-config --libs $(PKGS) cmocka) -levent_openssl

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do echo "== $$t"; $$t || exit 1; done

integration: all
	sh tests/run-integration.sh

# No include circle between units, and each sidecar header declares its own file's
# functions only (a header is a room's front door).
structure:
	python3 scripts/check_includes.py
# A 3-master, 3-replica cluster on loopback (scripts/cluster.sh) per test file.
test-cluster: setup all
	@for t in tests/integration/test_cluster_*.py; do echo "== $$t"; python3 $$t || exit 1; done

# The integration suites run twice: against the normal build and the sanitizer build.
test: setup structure format-check all unit integration asan-test
	@echo "all tests passed"

run: setup all
	sh scripts/run.sh

cluster-run: setup all
	sh scripts/cluster_run.sh

# The same sources with AddressSanitizer and UBSan, in build/asan/. The module needs
# libasan preloaded into redis-server: the test harness does that with RESV_ASAN=1.
asan: build/asan/resv.so $(if $(SIDECAR_SRC),build/asan/resv-sidecar)

asan-test: asan
	RESV_ASAN=1 sh tests/run-integration.sh

bench: all
	sh tests/bench/run.sh

fuzz: $(SETUP)
	sh tests/fuzz/run.sh

# Every C file of ours follows .clang-format; make test checks it before building.
FORMAT_SRC = $(wildcard include/*.[ch] module/*.[ch] sidecar/*.[ch] tests/unit/*.c tests/fuzz/*.c \
	tests/bench/*.c)

format:
	clang-format -i $(FORMAT_SRC)

format-check: $(SETUP)
	@echo "clang-format --dry-run -Werror (make format fixes)"
	@clang-format --dry-run -Werror $(FORMAT_SRC)

clean:
	rm -rf build/tests build/asan module/resv.so sidecar/resv-sidecar

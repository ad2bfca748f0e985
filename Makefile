# Everything a fresh machine needs, in two commands: `make` and `make test`.
SWIFT ?= swift
BIN := .build/debug/schemac

.PHONY: all setup build generate check test record bench release clean

all: build generate

# What the build needs, and for `make test` (or `record`) what the tests need too,
# installed when missing (scripts/setup.sh; silent, and a few milliseconds, when
# nothing is). Once per run, before the first build.
SETUP := $(if $(filter test record,$(MAKECMDGOALS)),test,build)

setup:
	@scripts/setup.sh $(SETUP)

build: setup
	$(SWIFT) build

# Regenerate the committed output of the bundled definitions.
generate: build
	$(BIN) generate
	$(BIN) generate -C examples/attribution

check: build
	$(BIN) check
	$(BIN) check -C examples/attribution

# Unit, reference, fuzz and real-PostgreSQL tests. The tests start their own
# throwaway PostgreSQL cluster (and Redis server); scripts/setup.sh test, run
# first, installs them when missing.
test: build
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

# Rewrite the expected output of every reference case; review with `git diff`.
record: build
	SCHEMAC_RECORD=1 $(SWIFT) test --filter ReferenceCaseTests/testEveryCaseMatchesItsExpectedOutput

# The Swift runtime linked in: `schemac --version` takes 13 ms rather than 22 (no
# dynamic linking of Foundation and ICU), which every short command pays.
release: setup
	$(SWIFT) build -c release --static-swift-stdlib

bench: release
	python3 bench/bench.py

clean:
	rm -rf .build bench/out

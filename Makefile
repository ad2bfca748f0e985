# Everything a fresh machine needs, in two commands: `make` and `make test`.
SWIFT ?= swift
BIN := .build/debug/schemac

.PHONY: all build generate check test record bench release clean

all: build generate

build:
	$(SWIFT) build

# Regenerate the committed output of the bundled definitions.
generate: build
	$(BIN) generate
	$(BIN) generate -C examples/attribution

check: build
	$(BIN) check
	$(BIN) check -C examples/attribution

# Unit, reference, fuzz and real-PostgreSQL tests. The tests start their own
# throwaway PostgreSQL cluster; PostgreSQL must be installed (see .ci/run).
test: build
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

# Rewrite the expected output of every reference case; review with `git diff`.
record: build
	SCHEMAC_RECORD=1 $(SWIFT) test --filter ReferenceCaseTests/testEveryCaseMatchesItsExpectedOutput

# The Swift runtime linked in: `schemac --version` takes 13 ms rather than 22 (no
# dynamic linking of Foundation and ICU), which every short command pays.
release:
	$(SWIFT) build -c release --static-swift-stdlib

bench: release
	python3 bench/bench.py

clean:
	rm -rf .build bench/out

# Sawda: `make run` to run it, `make test` to test everything.
# Both install what is missing first (scripts/install-tools.sh).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# One build cache outside the clone, reused by every checkout and by CI.
CARGO_TARGET_DIR ?= $(HOME)/.cache/sawda/target
export CARGO_TARGET_DIR
# wasm-opt comes from the npm package binaryen, installed under end2end/.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# Each language switcher and address is served by the binary cargo-leptos builds.
SAWDA := $(CARGO_TARGET_DIR)/release/sawda
ARGS ?=

.PHONY: run test tools build test-rust test-browser size bench

## run: install what is missing, build a release, start Sawda on 127.0.0.1:3000
run: tools build
	@echo "==> starting Sawda (embedded database under $${SAWDA_DATA:-./data})"
	"$(SAWDA)" $(ARGS)

## test: install what is missing, then run every test (Rust, then the browser)
test: tools build test-rust test-browser

tools:
	@scripts/install-tools.sh

# Order holds under `make -j` too: tools, then the build, then the tests.
build: | tools
test-rust test-browser: | build
test-browser: | test-rust

build:
	@echo "==> building Sawda (release: server, wasm, CSS; the first build takes a while)"
	@scripts/build.sh

test-rust:
	@echo "==> Rust unit and integration tests"
	cargo test --release --workspace

test-browser:
	@echo "==> browser tests (Chromium) against a running Sawda"
	cd end2end && SAWDA_BIN="$(SAWDA)" SAWDA_SITE="$(CURDIR)/target/site" npm test

## size: what the first visit downloads, raw and as served (brotli)
size: tools build
	@scripts/size-report.sh "$(SAWDA)"

## bench: what syncing costs (wire bytes; 1,000 queued mutations coming online),
## what the bounds on records buy (the worst record; requests during attacks),
## how fast the review desk's queue is with thousands waiting, and the buyers'
## side at scale (the market over 200,000 products; a product page against nginx)
bench:
	@scripts/install-tools.sh --bench
	cargo bench -p sawda-server --bench sync
	cargo bench -p sawda-server --bench limits
	cargo bench -p sawda-server --bench review
	cargo bench -p sawda-server --bench public

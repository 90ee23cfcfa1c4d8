# BP Tracker. `make run` starts the server on http://127.0.0.1:8080 with data
# in ./data; `make test` installs what the tests need and runs them all.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export BPT_DYNAMODB_LOCAL_DIR := $(CURDIR)/tools/node_modules/amplify-dynamodb-simulator/emulator
export BPT_TOOLS_BIN := $(CURDIR)/bin/tools
export PATH := $(CURDIR)/bin/tools:$(PATH)

BIN        := bin/bptracker
WEB_DIST   := web/dist/index.html
WEB_SRC    := $(shell find web/src web/index.html web/vite.config.ts web/tsconfig.json -type f 2>/dev/null)
GO_SRC     := $(shell find . -name '*.go' -not -path './deploy/*' -not -path '*/node_modules/*' 2>/dev/null) go.mod go.sum
DATA       ?= ./data
PROFILE    ?= free

# Pinned tool versions.
LOCAL_KMS   := github.com/nsmithuk/local-kms@v0.0.0-20260228092603-2a5e92d09ab6
LAMBDA_RIE  := github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
APT_PKGS    := openjdk-17-jre-headless chromium libreoffice-calc-nogui poppler-utils zip

.PHONY: run build web test test-go test-web test-e2e test-deploy lint bench deps deps-apt deps-npm deps-go lambda lambda-flags synth diff deploy screenshots clean

run: $(BIN)
	@mkdir -p $(DATA)
	$(BIN) serve --data $(DATA)

build: $(BIN)

$(BIN): $(WEB_DIST) $(GO_SRC)
	go build -trimpath -o $@ ./cmd/bptracker

web: $(WEB_DIST)

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

$(WEB_DIST): web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run build

# ---- dependencies the tests need (idempotent; CI starts from a clean checkout)
deps: deps-apt deps-npm deps-go

deps-apt:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

deps-npm: tools/node_modules/.package-lock.json web/node_modules/.package-lock.json

tools/node_modules/.package-lock.json: tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund

deps-go: bin/tools/local-kms bin/tools/aws-lambda-rie bin/tools/staticcheck

bin/tools/local-kms:
	GOBIN=$(CURDIR)/bin/tools GOFLAGS= go install $(LOCAL_KMS)
bin/tools/aws-lambda-rie:
	GOBIN=$(CURDIR)/bin/tools GOFLAGS= go install $(LAMBDA_RIE)
bin/tools/staticcheck:
	GOBIN=$(CURDIR)/bin/tools GOFLAGS= go install $(STATICCHECK)

# ---- tests
test: deps lint test-go test-web test-e2e test-deploy

lint: $(WEB_DIST) bin/tools/staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^deploy/')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	staticcheck ./...

test-go: $(WEB_DIST) $(BIN)
	BPT_REQUIRE_EMULATORS=1 BPT_BIN=$(CURDIR)/$(BIN) go test -count=1 -timeout 20m ./...

test-web: web/node_modules/.package-lock.json
	cd web && npm test

test-e2e: $(BIN)
	cd web && BPT_BIN=$(CURDIR)/$(BIN) npm run e2e

test-deploy: $(WEB_DIST)
	cd deploy && npm ci --no-audit --no-fund --silent && go test -count=1 -timeout 20m ./...

# ---- benchmarks (figures in docs/benchmarks.md)
bench: $(BIN) deps
	BPT_BIN=$(CURDIR)/$(BIN) go test -run '^$$' -bench 'ReadingWrites|HistoryReads' -benchtime 5000x ./cmd/bptracker
	BPT_BIN=$(CURDIR)/$(BIN) go test -run '^$$' -bench 'Startup' -benchtime 20x ./cmd/bptracker
	go test -run '^$$' -bench 'ImportTenYears|PDF30Days' -benchtime 10x ./importer/ ./exporter/
	$(MAKE) lambda
	ls -l build/lambda/bootstrap build/lambda/bootstrap.zip
	BPT_REQUIRE_EMULATORS=1 go test -run '^$$' -bench ColdStart -benchtime 10x ./cmd/bootstrap
	cd web && npm run bench

screenshots: $(BIN)
	cd web && BPT_BIN=$(CURDIR)/$(BIN) npm run screenshots

# ---- AWS
lambda: build/lambda/bootstrap.zip

# How the function is built (cmd/bootstrap/rie_test.go reads them with
# make lambda-flags). nethttpomithttp2: the function only speaks HTTP/1.1 (the runtime API
# and the AWS endpoints), and net/http's bundled HTTP/2 is 0.3 MB. No
# inlining in the AWS SDK, protobuf and Tink: 0.26 MB less; the SDK waits on
# the network, protobuf runs once per data key, and a 300-reading history
# (Tink opens each reading) measured the same CPU either way.
LAMBDA_FLAGS := -tags lambda.norpc,nethttpomithttp2 -trimpath -ldflags='-s -w' \
	-gcflags='github.com/aws/...=-l' -gcflags='google.golang.org/protobuf/...=-l' -gcflags='github.com/tink-crypto/...=-l'

lambda-flags:
	@printf '%s\n' "$(LAMBDA_FLAGS)"

build/lambda/bootstrap.zip: $(GO_SRC)
	@mkdir -p build/lambda
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build $(LAMBDA_FLAGS) -o build/lambda/bootstrap ./cmd/bootstrap
	cd build/lambda && rm -f bootstrap.zip && zip -q -9 bootstrap.zip bootstrap

synth: lambda $(WEB_DIST)
	cd deploy && npm ci --no-audit --no-fund --silent && for p in free hardened; do npx cdk synth -q -c profile=$$p -o cdk.out/$$p >/dev/null && echo "deploy/cdk.out/$$p"; done

diff: lambda $(WEB_DIST)
	cd deploy && npx cdk diff -c profile=$(PROFILE)

deploy: lambda $(WEB_DIST)
	cd deploy && npx cdk deploy --all -c profile=$(PROFILE)

clean:
	rm -rf bin build web/dist

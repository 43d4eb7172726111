# The two commands: `make demo` runs the whole thing locally, `make test` runs every test.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)

BIN        := $(CURDIR)/bin
TOOLS      := go tool -modfile=$(CURDIR)/tools/codegen/go.mod
# -p 1: suites share two cores; running them one at a time keeps their timeouts meaningful.
GO_TEST    := go test -count=1 -p 1 -timeout 30m

.PHONY: all demo demo-check manifests-check dashboard-test chaos bench test lint generate verify-generated tools deps clean

all: test

## demo: local control plane, embedded database and sample AgentJobs (Ctrl-C stops everything)
demo: deps tools
	go run ./cmd/agentjob-sync demo

## demo-check: the demo scenario non-interactively; exits 0 only when every entry matches its resource
demo-check: deps tools
	go run ./cmd/agentjob-sync demo-check

## manifests-check: render the Helm chart and the kustomize base and apply both to the test API server (server-side dry run)
manifests-check: tools
	$(GO_TEST) -run 'Manifests' -v ./tests/manifests

## dashboard-test: the dashboard in headless Chromium; screenshots land in tests/dashboard/artifacts/
dashboard-test: deps
	$(GO_TEST) -v ./tests/dashboard

## bench: throughput, lag, memory and catch-up on the real API server and embedded database → bench/results.json
bench: deps tools
	go run ./tests/bench

## chaos: seeded fault-injection runs of the whole system (CHAOS_RUNS, CHAOS_SECONDS; replay with CHAOS_SEED)
CHAOS_RUNS ?= 5
CHAOS_SECONDS ?= 30
chaos: deps tools
	@set -o pipefail; CHAOS_RUNS=$(CHAOS_RUNS) CHAOS_SECONDS=$(CHAOS_SECONDS) $(GO_TEST) -run 'TestChaos' -v ./tests/watchhost 2>&1 \
		| grep -v '^{' | tee /tmp/agentjob-chaos.log | grep -E '^(=== RUN|--- |\s+chaos_test)'; \
		status=$$?; grep '^chaos:' /tmp/agentjob-chaos.log | tail -1; exit $$status

## test: lint, generated-code check, unit and integration tests against the real API server and database, demo-check
test: deps tools lint verify-generated
	$(GO_TEST) ./...
	$(MAKE) --no-print-directory demo-check

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	$(TOOLS) staticcheck ./...

## generate: CRD manifests and deep copies from api/v1; grain contracts from api/grains
generate: $(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grain
	$(TOOLS) controller-gen object paths=./api/v1/... crd:maxDescLen=0 paths=./api/v1/... output:crd:artifacts:config=k8s/crd
	protoc -I api --plugin=protoc-gen-go=$(BIN)/protoc-gen-go --plugin=protoc-gen-go-grain=$(BIN)/protoc-gen-go-grain \
		--go_out=api --go_opt=paths=source_relative --go-grain_out=api --go-grain_opt=paths=source_relative \
		grains/v1/agentjob.proto
	go -C tools/manifests run . helm ../../k8s/chart ea-platform agentjob-sync > k8s/base/agentjob-sync.yaml

$(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grain: tools/codegen/go.mod
	cd tools/codegen && go build -o $(BIN)/ google.golang.org/protobuf/cmd/protoc-gen-go github.com/asynkron/protoactor-go/protobuf/protoc-gen-go-grain

## verify-generated: generated code in the tree matches what `make generate` produces
verify-generated: generate
	@git diff --exit-code -- k8s/crd k8s/base api || { echo "generated code is stale: run make generate and commit"; exit 1; }

## deps: system packages (protoc, chromium, node) and the browser test's npm packages, installed when missing
deps:
	@scripts/install-deps.sh

## tools: kube-apiserver and etcd for the local control plane, built from their Go modules into bin/
tools: $(BIN)/kube-apiserver $(BIN)/etcd

$(BIN)/kube-apiserver: tools/apiserver/go.mod tools/apiserver/go.sum
	cd tools/apiserver && go build -trimpath -ldflags="-s -w" -o $@ k8s.io/kubernetes/cmd/kube-apiserver

$(BIN)/etcd: tools/etcd/go.mod tools/etcd/go.sum
	cd tools/etcd && go build -trimpath -ldflags="-s -w" -o $@ go.etcd.io/etcd/server/v3

clean:
	rm -rf $(BIN) .demo

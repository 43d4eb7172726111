# The two commands: `make demo` runs the whole thing locally, `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

SOLUTION    := AgentJobSync.slnx
PUBLISH_DIR := $(CURDIR)/.build/publish
# The publish flags of `make publish` and of the Dockerfile (tests/Manifests.Tests checks they are the same): the tests
# run the bytes the image ships. Framework-dependent, no apphost: both start as `dotnet X.dll`. Linux x64 so that the
# processes' PublishReadyToRun (precompiled code, see src/Silo/Silo.csproj) applies.
PUBLISH_FLAGS := -c Release -r linux-x64 --self-contained false -p:UseAppHost=false
# The image `make image` builds and `make image-push` pushes: the chart's default (agentjob-sync:<appVersion>), or a
# reference in your registry, e.g. make image image-push IMAGE=registry.example.com/agentjob-sync:0.2.0
IMAGE ?= agentjob-sync:$(shell sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' k8s/chart/Chart.yaml)
RESULTS_DIR := $(CURDIR)/.build/test-results
# Test projects, run one at a time: they start real servers and share two cores.
TEST_PROJECTS := tests/Grains.Tests tests/Storage.Tests tests/Crd.Tests tests/Clustering.Tests tests/WatchHost.Tests tests/Silo.Tests tests/Dashboard.Tests tests/Manifests.Tests tests/BadInput.Tests tests/Harness.Tests tests/Bench.Tests

.PHONY: image image-push all demo demo-check chaos chaos-short test dashboard-test deps restore format format-check build publish unit-tests clean bench bench-tools soak bench-grains bench-micro manifests manifests-static manifests-check

all: test

## demo: control plane, database, 3 silos and the watch host with sample AgentJobs (Ctrl-C stops everything)
demo: deps publish
	dotnet run --project tests/Demo -c Release

## demo-check: the same system non-interactively, 100 jobs of 10 users; exits 0 only when every entry matches its AgentJob
demo-check: deps publish
	dotnet run --project tests/Demo -c Release -- --check

## chaos: the chaos run set: RUNS seeded runs of SECONDS of faults each (default 2 x 300 s: 10 minutes, well over 100
## injected faults) on SILOS silo pods (3-5); run k uses SEED + k; replay one with RUNS=1 SEED=<seed> (SECONDS and SILOS
## as printed). Last line "chaos: <runs> runs, <faults> faults, <replays> replays, lost 0, duplicated 0, regressed 0,
## clobbered 0"; exit 0 only when all hold
RUNS    ?= 2
SECONDS ?= 300
SILOS   ?= 4
SEED    ?=
chaos: deps publish
	dotnet run --project tests/Chaos -c Release -- --runs $(RUNS) --seconds $(SECONDS) --silos $(SILOS) $(if $(SEED),--seed $(SEED))

## chaos-short: the one short run `make test` includes (3 silo pods, 30 s of faults); its output is also kept in
## $(RESULTS_DIR)/chaos.log, whose last line the test summary repeats
chaos-short:
	@mkdir -p $(RESULTS_DIR)
	dotnet run --project tests/Chaos -c Release -- --runs 1 --seconds 30 --silos 3 $(if $(SEED),--seed $(SEED)) | tee $(RESULTS_DIR)/chaos.log

## test: format check, build with warnings as errors, every test against the real API server and database
test: deps restore format-check build publish manifests-static
	@rm -rf $(RESULTS_DIR); mkdir -p $(RESULTS_DIR)
	@status=0; for p in $(TEST_PROJECTS); do \
		echo "== $$p"; \
		dotnet test $$p --no-build --logger "trx;LogFilePrefix=$$(basename $$p)" --logger "console;verbosity=normal" \
			--results-directory $(RESULTS_DIR) || status=1; \
	done; \
	echo "== demo-check"; \
	dotnet run --project tests/Demo -c Release -- --check || status=1; \
	echo "== chaos (one short run)"; \
	$(MAKE) --no-print-directory chaos-short || status=1; \
	scripts/test-summary.sh $(RESULTS_DIR); exit $$status

## dashboard-test: the dashboard alone: unit tests and headless Chromium (Playwright) against a 3-silo cluster in process;
## screenshots in tests/Dashboard.Tests/artifacts/
dashboard-test: deps
	@mkdir -p $(RESULTS_DIR)
	dotnet build tests/Dashboard.Tests -warnaserror
	dotnet test tests/Dashboard.Tests --no-build --logger "trx;LogFilePrefix=Dashboard.Tests" --logger "console;verbosity=normal" \
		--results-directory $(RESULTS_DIR)

## manifests: k8s/base/agentjob-sync.yaml rendered from k8s/chart with k8s/base/values.yaml (commit the result)
manifests: deps
	scripts/manifests.sh render

## manifests-check: helm lint/template (defaults, opt-ins, no DB_URL), k8s/base up to date, kubectl kustomize, then
## tests/Manifests.Tests: server-side dry-run of every rendered object, real apply and the published processes under its RBAC
manifests-check: manifests-static build publish
	dotnet test tests/Manifests.Tests --no-build --logger "console;verbosity=normal"

manifests-static: deps
	scripts/manifests.sh check

## deps: system packages and the test servers, installed when missing (a clean machine gets everything): from
## AGENTJOB_TEST_ASSETS or ../shared/test-assets, else the official releases, downloaded and SHA-256 checked
deps:
	@scripts/install-deps.sh

restore:
	dotnet restore $(SOLUTION)

## format: apply dotnet format; format-check fails when anything would change
format:
	dotnet format $(SOLUTION)

format-check:
	dotnet format $(SOLUTION) --verify-no-changes --no-restore

build:
	dotnet build $(SOLUTION) --no-restore -warnaserror

## publish: the silo and the watch host as the image ships them, in .build/publish (process tests run this output)
publish: deps
	dotnet publish src/Silo $(PUBLISH_FLAGS) -o $(PUBLISH_DIR)
	dotnet publish src/WatchHost $(PUBLISH_FLAGS) -o $(PUBLISH_DIR)

## image: the container image IMAGE, built with docker, podman or buildah (whichever exists), and checked inside
image:
	@scripts/image.sh build $(IMAGE)

## image-push: push IMAGE to its registry (log in first)
image-push:
	@scripts/image.sh push $(IMAGE)

## bench: end-to-end figures (raw rates, pipeline rate and lag, memory per tracked job, catch-up) in bench/results.json,
## each headline figure against its target; BENCH_SECONDS, BENCH_WRITERS, BENCH_JOBS, BENCH_LAG_SECONDS,
## BENCH_SCALE_JOBS (default 20000), BENCH_CATCHUP_MINUTES size it; BENCH_PROFILE=1 adds a CPU-traced sustained phase
bench: deps publish bench-tools
	dotnet run --project bench/Pipeline.Bench -c Release

## soak: SOAK_MINUTES (default 30) of steady traffic at SOAK_RAW_FRACTION (default 0.5) of the raw rate, counted in the
## database and API-server writes a job's life takes; memory and lag each minute, bench/soak.png; fails when memory
## keeps growing after SOAK_WARMUP_MINUTES (default 5) or a job is lost.
## Not part of `make test`.
soak: deps publish
	dotnet run --project bench/Pipeline.Bench -c Release -- soak

## bench-tools: dotnet-trace and dotnet-gcdump in .build/tools (CPU traces and heap dumps of the bench's processes)
TOOLS_DIR := $(CURDIR)/.build/tools
DIAGNOSTICS_VERSION := 10.0.750501
bench-tools:
	@for tool in dotnet-trace dotnet-gcdump; do \
		[ -x $(TOOLS_DIR)/$$tool ] || dotnet tool install --tool-path $(TOOLS_DIR) $$tool --version $(DIAGNOSTICS_VERSION); \
	done

## bench-grains: grain calls/s through a 3-silo TestCluster on the real database, memory per idle activation
bench-grains: deps
	dotnet run --project bench/Grains.Bench -c Release -- $(or $(JOBS),300) $(or $(IDLE),5000)

## bench-micro: BenchmarkDotNet micro-benchmarks of the hot pure code (FILTER selects, e.g. FILTER='*Merge*')
bench-micro:
	cd bench/Micro.Bench && dotnet run -c Release -- --filter '$(or $(FILTER),*)'

clean:
	rm -rf .build
	dotnet clean $(SOLUTION)

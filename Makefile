# llmrec / llmrep. `make help` lists the targets.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/llmrec/llmrec/schemas.ToolVersion=$(VERSION)
DEMO_DIR  ?= demo
ECHARTS   := report/assets/node_modules/echarts/dist/echarts.min.js
BENCH_OUT ?= /tmp/llmrec-bench

.PHONY: help build demo test test-deploy image e2e-shards bench bench-scale bench-tools vet fmt clean assets screenshot

help: ## list the targets
	@grep -hE '^[A-Za-z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-12s %s\n",$$1,$$2}'

assets: $(ECHARTS) ## refresh the committed ECharts script and its manifest from the pinned npm package (npm ci)
	cp $(ECHARTS) report/assets/echarts.min.js
	cd report/assets && node -e "$$ASSETS_MANIFEST"

$(ECHARTS): report/assets/package.json report/assets/package-lock.json
	cd report/assets && npm ci --no-audit --no-fund --silent
	@touch $@

# ASSETS_MANIFEST writes report/assets/echarts.min.js.json: the committed
# file's sha256 and the lock entry (version, npm tarball integrity) it was
# copied from. report/assets' tests check the file against it.
define ASSETS_MANIFEST
const fs = require('fs'), crypto = require('crypto');
const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const pkg = lock.packages['node_modules/echarts'];
const sha256 = crypto.createHash('sha256').update(fs.readFileSync('echarts.min.js')).digest('hex');
const m = {file: 'echarts.min.js', source: 'node_modules/echarts/dist/echarts.min.js',
  package: 'echarts', version: pkg.version, integrity: pkg.integrity, sha256: sha256};
fs.writeFileSync('echarts.min.js.json', JSON.stringify(m, null, 2) + '\n');
endef
export ASSETS_MANIFEST

build: ## build bin/llmrec (CGO_ENABLED=0) and bin/llmrep (DuckDB, cgo)
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o bin/llmrec ./cmd/llmrec
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/llmrep ./cmd/llmrep

demo: build ## short step load against the built-in simulator, then the report
	@mkdir -p $(DEMO_DIR)
	bin/llmrec run --step-users 10 --step-time 6s --max-users 60 --max-tokens 64 --force -o $(DEMO_DIR)/run.parquet --label model=sim-knee
	bin/llmrep analyze $(DEMO_DIR)/run.parquet --window 5s -o $(DEMO_DIR)/run.html

screenshot: demo ## pictures for the README (headless Chromium): docs/report.png, docs/report-phone.png, docs/compare.png
	@command -v chromium >/dev/null || { echo 'make screenshot needs chromium: apt-get install -y chromium' >&2; exit 1; }
	@mkdir -p docs
	bin/llmrec run --step-users 10 --step-time 6s --max-users 60 --max-tokens 64 --sim-profile linear --force -o $(DEMO_DIR)/b.parquet --label model=sim-linear
	bin/llmrep compare $(DEMO_DIR)/run.parquet $(DEMO_DIR)/b.parquet --window 5s -o $(DEMO_DIR)/compare.html
	$(call shot,1280,1700,$(DEMO_DIR)/run.html,docs/report.png)
	$(call shot,390,2600,$(DEMO_DIR)/run.html,docs/report-phone.png)
	$(call shot,1280,1700,$(DEMO_DIR)/compare.html,docs/compare.png)

# shot takes a picture of page $(3), $(1) px wide and $(2) px tall, into $(4).
define shot
	profile=$$(mktemp -d) && chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --hide-scrollbars --force-device-scale-factor=1 \
		--user-data-dir=$$profile --window-size=$(1),$(2) --screenshot=$(4) \
		"file://$(CURDIR)/$(3)" 2>/dev/null; status=$$?; rm -rf $$profile; exit $$status
endef

test: assets vet test-deploy ## the whole test suite
	$(GO) test -count=1 -timeout 20m $$($(GO) list ./... | grep -v '/e2e$$')
	@# The end-to-end runs compare latencies across processes: they run alone, on a quiet machine.
	$(GO) test -count=1 -timeout 10m ./e2e

test-deploy: ## check deploy/kubernetes against the official Kubernetes API types (a module of its own)
	cd deploy && $(GO) test -count=1 ./...

image: ## OCI image of llmrec: the static binary and CA certificates in a scratch image (podman or docker)
	scripts/image/build.sh llmrec:$(VERSION)
	@command -v podman >/dev/null && CONTAINERS_CONF=$${CONTAINERS_CONF:-$(CURDIR)/deploy/image/containers.conf} podman tag llmrec:$(VERSION) llmrec:latest || docker tag llmrec:$(VERSION) llmrec:latest

e2e-shards: ## three llmrec shards as containers of the image against a loopback server, merged by llmrep (skips without podman/docker; not in make test: slow)
	scripts/e2e-shards.sh

bench: build ## Go benchmarks, then llmrec against vegeta, hey, wrk and Locust on one loopback server (BENCHMARKS.md)
	@mkdir -p $(BENCH_OUT)
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./... > $(BENCH_OUT)/go-bench.txt 2>&1; s=$$?; cat $(BENCH_OUT)/go-bench.txt; exit $$s
	$(GO) run ./scripts/bench/timerlag > $(BENCH_OUT)/timerlag.txt; s=$$?; cat $(BENCH_OUT)/timerlag.txt; exit $$s
	$(GO) run ./scripts/bench/peers -llmrec bin/llmrec -llmrep bin/llmrep -work $(BENCH_OUT) -md $(BENCH_OUT)/peers.md $(BENCHFLAGS)
	$(MAKE) bench-scale

SCALE_ROWS ?= 1000000,10000000,30000000,100000000

bench-scale: build ## llmrep analyze on generated runs of SCALE_ROWS rows: wall time and peak RSS (inputs kept in $(BENCH_OUT)/scale)
	@mkdir -p $(BENCH_OUT)
	$(GO) run ./scripts/bench/scale -llmrep bin/llmrep -work $(BENCH_OUT)/scale -rows $(SCALE_ROWS) $(SCALEFLAGS) > $(BENCH_OUT)/scale.md; s=$$?; cat $(BENCH_OUT)/scale.md; exit $$s

bench-tools: ## install the peers make bench compares with (Debian packages; vegeta comes by go install)
	apt-get install -y wrk hey python3-locust

vet: ## go vet and gofmt check
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'run gofmt -w'; exit 1; }

fmt: ## gofmt the tree
	gofmt -w $$(git ls-files '*.go')

clean: ## remove build outputs
	rm -rf bin $(DEMO_DIR)

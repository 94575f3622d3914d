# trustd — run `make help` for the targets.
GO       ?= go
PKGS     ?= ./...
FUZZTIME ?= 10s

.PHONY: help demo test test-ocr test-short race lint bench fuzz build tidy

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

demo: ## run the embedded demo (needs nothing but Go)
	$(GO) run ./cmd/trustd demo

build: ## build the trustd binary into ./trustd
	CGO_ENABLED=0 $(GO) build -trimpath -o trustd ./cmd/trustd

test: ## run every test with the race detector, then the OCR tests (needs redis-server, and Tesseract: see test-ocr)
	$(GO) test -race -count=1 -timeout 15m $(PKGS)
	$(MAKE) test-ocr

test-ocr: ## the OCR tests, built with -tags tesseract (needs libtesseract-dev tesseract-ocr-chi-sim tesseract-ocr-eng fonts-wqy-microhei fonts-noto-cjk)
	$(GO) test -tags tesseract -count=1 -timeout 10m -run 'Tesseract|OCR' ./moderation/imagetext/... ./cmd/trustd/...

test-short: ## run every test without the race detector
	$(GO) test -count=1 $(PKGS)

lint: ## gofmt, go vet, staticcheck and golangci-lint (each when installed; staticcheck: go install honnef.co/go/tools/cmd/staticcheck@v0.7.0)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)
	@if command -v staticcheck >/dev/null; then staticcheck $(PKGS) && staticcheck -tags tesseract ./moderation/imagetext/...; else echo "staticcheck not installed; skipped"; fi
	@if command -v golangci-lint >/dev/null; then golangci-lint run; else echo "golangci-lint not installed; skipped"; fi

bench: ## run the benchmarks of the hot paths
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

fuzz: ## run each fuzz target for FUZZTIME
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; done

# evolvestack: build, test, and the docker compose stack.
#
#   make build      go build ./...
#   make test       go test -race ./... (the README's test command)
#   make startup    start-up time and idle RSS of both binaries against a
#                   trivial Go server, and package init costs (verbose)
#   make up         static binary -> image (FROM scratch) -> stack up, detached, healthy
#   make down       stop the stack and remove its containers
#   make smoke      check the running stack (health, provisioned resources, AWS calls)
#   make demo       run the schema-evolution demo in the stack (profile demo)
#   make logs / ps  follow the emulator's logs / list the stack's containers

GO      ?= go
GOARCH  ?= $(shell $(GO) env GOARCH)
DOCKER  ?= docker
# Docker Compose v2 when the docker CLI has it, else v1 (docker-compose).
COMPOSE ?= $(shell if $(DOCKER) compose version >/dev/null 2>&1; then echo "$(DOCKER) compose"; \
	elif command -v docker-compose >/dev/null 2>&1; then echo docker-compose; fi)
export COMPOSE_PROJECT_NAME ?= evolvestack
export EVOLVESTACK_PORT ?= 4566

ROOTFS  := bin/docker/rootfs
DEMODIR := bin/docker/demo
# A static Linux binary without the client-side schema commands (see Dockerfile).
STATIC  := CGO_ENABLED=0 GOOS=linux GOARCH=$(GOARCH)
LDFLAGS := -s -w
# The image's binary, kept under 20 MB (20,000,000 bytes) with nothing left out
# that the server uses:
# - evolvestack_slim leaves out what only Go tests and the client-side CLI use
#   (the schema commands and their AWS SDK client, emulator.Start, the
#   reflection wrapper for in-process Go handlers);
# - no inlining in two libraries that run only at start-up and at schema
#   registration (the YAML parser, protobuf descriptors), never per request.
# HTTP/2 stays: the server speaks h2c, which the JavaScript SDK's Kinesis
# client uses.
IMAGE_TAGS    := evolvestack_slim
IMAGE_GCFLAGS := -gcflags=github.com/goccy/go-yaml/...=-l -gcflags=google.golang.org/protobuf/...=-l
IMAGE_MAX_BYTES ?= 20000000
HEALTH_TIMEOUT ?= 60

.PHONY: build test startup image-bin image up down wait smoke demo-bin demo logs ps clean compose-check

build:
	$(GO) build ./...

test:
	$(GO) test -race ./...

startup:
	$(GO) test -count=1 -v -run 'TestStartupTimeAndIdleRSS|TestPackageInitCosts' ./cmd/evolvestack

# The container's root file system: /evolvestack, an empty /tmp (1777) and
# an empty /data (1777), which a new named volume mounted there copies, so
# that the emulator's user (65534) can keep its data dir in it.
image-bin:
	@mkdir -p $(ROOTFS)/tmp $(ROOTFS)/data $(DEMODIR)
	@chmod 1777 $(ROOTFS)/tmp $(ROOTFS)/data
	$(STATIC) $(GO) build -tags $(IMAGE_TAGS) -trimpath -ldflags '$(LDFLAGS)' $(IMAGE_GCFLAGS) -o $(ROOTFS)/evolvestack ./cmd/evolvestack
	@size=$$(wc -c <$(ROOTFS)/evolvestack); echo "$(ROOTFS)/evolvestack: $$size bytes"; \
	if [ "$$size" -gt $(IMAGE_MAX_BYTES) ]; then echo "warning: the image's binary is over $(IMAGE_MAX_BYTES) bytes" >&2; fi

compose-check:
	@if [ -z "$(COMPOSE)" ]; then echo "neither 'docker compose' nor 'docker-compose' found" >&2; exit 1; fi

image: image-bin compose-check
	$(COMPOSE) build evolvestack

up: image-bin compose-check
	$(COMPOSE) up -d --build evolvestack
	@$(MAKE) --no-print-directory wait

# Wait until the emulator container reports healthy.
wait: compose-check
	@id=$$($(COMPOSE) ps -q evolvestack); \
	if [ -z "$$id" ]; then echo "the evolvestack container is not running" >&2; exit 1; fi; \
	for i in $$(seq 1 $(HEALTH_TIMEOUT)); do \
		status=$$($(DOCKER) inspect -f '{{if ne .State.Status "running"}}{{.State.Status}} (exit code {{.State.ExitCode}}){{else if .State.Health}}{{.State.Health.Status}}{{else}}running{{end}}' $$id 2>/dev/null); \
		case "$$status" in \
		healthy) echo "evolvestack is healthy on http://127.0.0.1:$(EVOLVESTACK_PORT)"; exit 0;; \
		exited*|dead*|unhealthy) echo "evolvestack is $$status:" >&2; $(DOCKER) logs --tail 50 $$id >&2; exit 1;; \
		esac; \
		sleep 1; \
	done; \
	echo "evolvestack not healthy after $(HEALTH_TIMEOUT)s (status $$status):" >&2; $(DOCKER) logs --tail 50 $$id >&2; exit 1

down: compose-check
	$(COMPOSE) --profile demo down --remove-orphans

smoke:
	AWS_ENDPOINT_URL=http://127.0.0.1:$(EVOLVESTACK_PORT) $(GO) run ./examples/aws-cli/smoke
	@if command -v aws >/dev/null 2>&1; then \
		AWS_ENDPOINT_URL=http://127.0.0.1:$(EVOLVESTACK_PORT) ./examples/aws-cli/aws-cli.sh; \
	else echo "aws CLI not installed: skipping examples/aws-cli/aws-cli.sh"; fi

# The demo program as a static binary for the demo image.
demo-bin:
	@if [ ! -d examples/schema-evolution ]; then echo "examples/schema-evolution does not exist yet" >&2; exit 1; fi
	@mkdir -p $(DEMODIR)
	$(STATIC) $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DEMODIR)/schema-evolution ./examples/schema-evolution

demo: image-bin demo-bin compose-check
	$(COMPOSE) --profile demo build
	$(COMPOSE) --profile demo up -d evolvestack
	@$(MAKE) --no-print-directory wait
	$(COMPOSE) --profile demo run --rm demo

logs: compose-check
	$(COMPOSE) logs -f evolvestack

ps: compose-check
	$(COMPOSE) ps

clean:
	rm -rf bin/docker

# evolvestack container image: the static binary and nothing else.
#
# The binary is built on the host, not in the image (`make image-bin`, which
# `make up` runs): CGO_ENABLED=0 GOOS=linux go build -tags
# evolvestack_slim (see the Makefile for the flags that keep
# it under 20 MB).
# The slim build leaves out the client-side `evolvestack schema` commands and
# the Go-test helpers;
# `serve` (the default) and `health` (the health check) are unchanged.
# bin/docker/rootfs holds /evolvestack and an empty /tmp (mode 1777) where
# Lambda packages are unpacked.

FROM scratch AS evolvestack
COPY bin/docker/rootfs/ /
ENV EVOLVESTACK_ADDR=0.0.0.0:4566
EXPOSE 4566
USER 65534:65534
HEALTHCHECK --interval=1s --timeout=3s --start-period=10s --retries=3 CMD ["/evolvestack", "health", "--quiet"]
ENTRYPOINT ["/evolvestack"]
CMD ["serve"]

# The demo programs (examples/schema-evolution), static binaries copied
# from bin/docker/demo by `make demo-bin`; used by the compose profile demo.
FROM scratch AS demo
COPY bin/docker/demo/ /
USER 65534:65534

# syntax=docker/dockerfile:1
# Multi-stage build of the trustd binary: a static Go build (CGO off) on distroless, non-root.
#   docker build -t trustd .
#   docker run --rm trustd check < items.jsonl
# Not built in trustd's CI (no Docker there); see dashboards/deploy/README.md.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags="-s -w" -o /out/trustd ./cmd/trustd

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/trustd /usr/local/bin/trustd
# Listen on all interfaces inside the container (the defaults are loopback-only).
ENV TRUSTD_API_ADDR=0.0.0.0:8080 \
    TRUSTD_ADMIN_ADDR=0.0.0.0:9464 \
    TRUSTD_LOG_JSON=1
EXPOSE 8080 9464
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/trustd"]
CMD ["worker"]

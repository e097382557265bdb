# syntax=docker/dockerfile:1
#
# mockhelthjem: the simulator (entrypoint) and contracttest in one small
# image. Build:   docker build -t mockhelthjem --build-arg VERSION=v1.2.3 .
# Run:            docker run --rm -p 8080:8080 mockhelthjem
# See docs/docker.md. internal/buildcheck checks this file and builds the
# binaries with the same go build lines: keep them in RUN lines of the
# build stage, one "go build" per binary.

# The toolchain must be at least go.mod's go version (buildcheck checks).
ARG GO_VERSION=1.26

# Build on the builder's own platform and cross-compile to the target's,
# so multi-platform builds (docker buildx --platform linux/amd64,linux/arm64)
# need no emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS=linux
ARG TARGETARCH
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags "-s -w -X github.com/mockhelthjem/mockhelthjem/internal/version.Version=${VERSION}" \
      -o /out/mockhelthjem ./cmd/mockhelthjem
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags "-s -w -X github.com/mockhelthjem/mockhelthjem/internal/version.Version=${VERSION}" \
      -o /out/contracttest ./cmd/contracttest

# distroless/static: CA certificates, tzdata and /etc/passwd with the
# nonroot user (65532), no shell, no package manager. The binaries are
# static (CGO_ENABLED=0) and embed their own fixtures, specs and tzdata.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="mockhelthjem" \
      org.opencontainers.image.description="A stateful simulator of Helthjem's parcel API (labelless C2C flow), with contracttest" \
      org.opencontainers.image.source="https://github.com/mockhelthjem/mockhelthjem" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/mockhelthjem /mockhelthjem
COPY --from=build /out/contracttest /contracttest
# Listen on every interface inside the container (the binary's own default,
# :8080, does too; this makes it explicit and is what healthcheck reads).
ENV MOCKHELTHJEM_ADDR=0.0.0.0:8080
EXPOSE 8080
USER 65532:65532
# The binary checks itself: GET /healthz on MOCKHELTHJEM_ADDR (no curl here).
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/mockhelthjem", "healthcheck"]
ENTRYPOINT ["/mockhelthjem"]

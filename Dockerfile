# syntax=docker/dockerfile:1
#
# A static (musl) binary on distroless: no shell, no libc, nothing to patch
# but the binary itself. Build and run: see the README, "Docker".
#
# Multi-platform: `docker buildx build --platform linux/amd64,linux/arm64 .`
# The builder stage runs on the build machine's own platform and
# cross-compiles for the target one (no emulation, which is many times
# slower for rustc); only the final stage is per target, and it holds no
# program but the binary.
#
# musl rather than glibc: the only C in the build is SQLite (compiled by
# libsqlite3-sys), there is no OpenSSL, so a static binary runs on
# `static`, the smallest base. The cross toolchain is Debian's own, from
# the same release as the Rust image: the target's GNU gcc (the native one
# when the platforms match) drives the compile and the link, and musl-dev
# of the target architecture (Debian multiarch) brings musl's headers and
# `<arch>-linux-musl-gcc`, which is that gcc pointed at them. Rust's musl
# targets carry their own libc.a and start files, so the link takes
# nothing from Debian's musl but the headers SQLite is compiled against.

ARG RUST_VERSION=1.95

FROM --platform=$BUILDPLATFORM rust:${RUST_VERSION}-slim-bookworm AS builder
ARG BUILDARCH
ARG TARGETARCH
# `-o pipefail` and `-e` for every RUN (hadolint DL4006).
SHELL ["/bin/bash", "-eo", "pipefail", "-c"]
# The Rust target and the Debian toolchain for TARGETARCH. The Rust target
# is written to /rust-target for the build step. DL3008 (pin apt package
# versions) is ignored: the versions are those of the Debian release the
# Rust image's tag fixes (bookworm), and Debian drops a version from its
# mirrors when a security update replaces it, so a pinned one would stop
# installing.
# hadolint ignore=DL3008
RUN case "$TARGETARCH" in \
      amd64) arch=x86_64 ;; \
      arm64) arch=aarch64 ;; \
      *) echo "unsupported target architecture: $TARGETARCH" >&2; exit 1 ;; \
    esac; \
    packages=("musl-dev:$TARGETARCH"); \
    if [ "$TARGETARCH" != "$BUILDARCH" ]; then \
      dpkg --add-architecture "$TARGETARCH"; \
      packages+=("gcc-${arch//_/-}-linux-gnu" "libc6-dev-$TARGETARCH-cross"); \
    fi; \
    apt-get update; \
    apt-get install -y --no-install-recommends "${packages[@]}"; \
    rm -rf /var/lib/apt/lists/*; \
    rustup target add "$arch-unknown-linux-musl"; \
    echo "$arch-unknown-linux-musl" >/rust-target
# cc (for SQLite) and the linker, per Rust target: the musl wrapper
# compiles, the GNU gcc links (Rust brings the musl libc it links).
ENV CC_x86_64_unknown_linux_musl=x86_64-linux-musl-gcc \
    AR_x86_64_unknown_linux_musl=x86_64-linux-gnu-ar \
    CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER=x86_64-linux-gnu-gcc \
    CC_aarch64_unknown_linux_musl=aarch64-linux-musl-gcc \
    AR_aarch64_unknown_linux_musl=aarch64-linux-gnu-ar \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc
WORKDIR /src
COPY . .
# The build CI proves (`cargo build --release --locked`), for the musl
# target. The cache mounts keep crates and artifacts between builds (one
# artifact cache per target architecture); the binary is copied out
# because a cache mount is not part of the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target,id=localelements-target-$TARGETARCH \
    target=$(cat /rust-target); \
    cargo build --release --locked --target "$target"; \
    cp "target/$target/release/localelements" /localelements
# The volume's mount point, owned by the runtime user: distroless has no
# shell to create it, and Docker copies this ownership into a new named
# volume (a bind mount keeps the host's: make it writable for uid 65532).
RUN mkdir /data && chown 65532:65532 /data

# The binary alone, for the release workflow's archives:
# `docker buildx build --target binary --output type=local,dest=out .`
FROM scratch AS binary
COPY --from=builder /localelements /localelements

FROM gcr.io/distroless/static-debian12:nonroot
# OCI labels (https://github.com/opencontainers/image-spec, annotations.md);
# the release workflow passes the build's own values.
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=https://github.com/localelements/localelements
LABEL org.opencontainers.image.title="localelements" \
      org.opencontainers.image.description="A local, stateful stand-in for the Cloud Elements account-users API" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0" \
      org.opencontainers.image.source="$SOURCE" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.created="$CREATED"
COPY --from=builder /localelements /localelements
COPY --from=builder --chown=65532:65532 /data /data
# nonroot is uid 65532 in distroless.
USER 65532:65532
ENV LOCALELEMENTS_LISTEN=0.0.0.0:8080 \
    LOCALELEMENTS_DATABASE=/data/localelements.db
VOLUME ["/data"]
EXPOSE 8080
# `healthcheck` finds the server (PID 1, or the child of an init) and asks
# where it listens, from its own arguments and environment: `docker run
# image --listen 0.0.0.0:9000` is checked on 127.0.0.1:9000. The port is
# bound before a --seed fixture loads, but answers only once it has: the
# long start period lets a large load finish without being called
# unhealthy (a success ends the start period at once).
HEALTHCHECK --interval=10s --timeout=5s --start-period=300s --retries=3 \
    CMD ["/localelements", "healthcheck"]
# The binary handles SIGTERM itself (requests finish, the database closes),
# so it can be PID 1 without an init.
ENTRYPOINT ["/localelements"]

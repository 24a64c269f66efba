# syntax=docker/dockerfile:1
#
# A static (musl) binary on distroless: no shell, no libc, nothing to patch
# but the binary itself. Build and run: see the README, "Docker".
#
# musl rather than glibc: the only C in the build is SQLite (compiled by
# libsqlite3-sys, which musl-gcc handles), there is no OpenSSL, so a static
# binary costs one apt package and runs on `static`, the smallest base.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS builder
# musl-gcc compiles the bundled SQLite for the musl target.
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
# The build CI proves (`cargo build --release --locked`), for the musl
# target. The cache mounts keep crates and artifacts between builds; the
# binary is copied out because a cache mount is not part of the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --target x86_64-unknown-linux-musl \
 && cp target/x86_64-unknown-linux-musl/release/localelements /localelements
# The volume's mount point, owned by the runtime user: distroless has no
# shell to create it, and Docker copies this ownership into a new named
# volume (a bind mount keeps the host's: make it writable for uid 65532).
RUN mkdir /data && chown 65532:65532 /data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /localelements /localelements
COPY --from=builder --chown=65532:65532 /data /data
# nonroot is uid 65532 in distroless.
USER 65532:65532
ENV LOCALELEMENTS_LISTEN=0.0.0.0:8080 \
    LOCALELEMENTS_DATABASE=/data/localelements.db
VOLUME ["/data"]
EXPOSE 8080
# `healthcheck` reads LOCALELEMENTS_LISTEN and asks 127.0.0.1:8080.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/localelements", "healthcheck"]
# The binary handles SIGTERM itself (requests finish, the database closes),
# so it can be PID 1 without an init.
ENTRYPOINT ["/localelements"]

# syntax=docker/dockerfile:1
# One image for every Starling service (docs/adr/0005-kubernetes-packaging.md):
#   docker run ghcr.io/starling-mq/starling:<version> store|notifier|gateway|standalone
# Build from the repository root: docker build -t starling .

# ---- build: install, compile, deploy production dependencies ---------------------------------------------------
FROM node:20-bookworm-slim AS build
# The pnpm the workspace pins (package.json `packageManager`), so the build does not fetch another one.
RUN npm i -g pnpm@10.34.9
WORKDIR /src
# The whole workspace (less .dockerignore): `--frozen-lockfile` checks every importer of the lockfile.
COPY . .
RUN pnpm install --frozen-lockfile
# Only what the image holds: the standalone and everything it depends on (the other three apps included).
RUN pnpm --filter '@starling/standalone...' build
# @starling/standalone depends on store, notifier and gateway, so ONE deploy holds all four apps: the standalone's
# own dist at /out/starling/dist, the other three under /out/starling/node_modules/@starling/<app>/dist.
# pnpm 10 deploys only workspaces with inject-workspace-packages=true; this one links workspace packages, so
# --legacy (the pnpm 9 behaviour: copy the package's published files, install its production dependencies).
RUN pnpm --filter @starling/standalone deploy --prod --legacy /out/starling
# The contracts travel with @starling/proto (its build copies proto/ into dist/proto): check they load.
RUN node -e "require('/out/starling/node_modules/@starling/proto').loadPackageDefinition()"
COPY bin/starling.js /out/starling/bin/starling.js

# ---- runtime: Node, production dependencies, the entrypoint ------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ARG VERSION=0.0.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="starling" \
      org.opencontainers.image.description="Starling: MQTT broker and message queue on one commitlog (store, notifier, gateway, standalone)" \
      org.opencontainers.image.source="https://github.com/starling-mq/starling" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
ENV NODE_ENV=production
# Every service runs on jemalloc (ADR 0025): glibc's malloc keeps the memory a connect storm freed, about 3 KB
# per connection of a gateway's resident memory for good. The link gives one path on every CPU.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libjemalloc2 \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s "/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2" /usr/local/lib/libjemalloc.so
ENV LD_PRELOAD=/usr/local/lib/libjemalloc.so
# A fixed non-root user (the chart's securityContext runs as 10001 too); no home, no shell login.
RUN groupadd --system --gid 10001 starling \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin starling \
 && mkdir -p /var/lib/starling \
 && chown 10001:10001 /var/lib/starling
WORKDIR /app
COPY --from=build --chown=0:0 /out/starling /app
# The image writes only to the store's data volume and /tmp: it runs with a read-only root filesystem.
# The chart mounts the store's volume at /var/lib/starling and sets the same STORE_DATA_DIR.
ENV STORE_DATA_DIR=/var/lib/starling
USER 10001:10001
# gateway: mqtt, mqtts, ws, ops; store: grpc, ops; notifier: ops.
EXPOSE 1883 8883 8083 9403 7400 9401 9402
# Node is PID 1 and every service handles SIGTERM itself (drain, flush, close): no shell wrapper, no init.
STOPSIGNAL SIGTERM
# No HEALTHCHECK: Kubernetes ignores it; the chart's liveness (/healthz) and readiness (/readyz) probes on the
# `ops` port (and the store's gRPC probe) do that job, per service, with the right timings.
ENTRYPOINT ["node", "/app/bin/starling.js"]

# syntax=docker/dockerfile:1
# The dds-llm gateway, from its production build. Build from the repository root:
#   docker build -f docker/gateway.Dockerfile -t dds-llm/gateway .
# or let docker/compose.yaml build it (see the "Docker" section of README.md).

# ---- build: dependencies, then `nx build gateway` (the CycloneDDS addon, the generated protocol
# code, and the gateway's and the simulator's bundles) --------------------------------------
FROM node:24-bookworm AS build
# The same Debian packages tools/setup installs: CycloneDDS 0.10 (headers, libddsc, idlc for the
# codegen), a C/C++ toolchain, python3 for node-gyp, pkg-config for binding.gyp.
RUN apt-get update \
  && apt-get install -y --no-install-recommends \
    cyclonedds-dev cyclonedds-tools g++ make python3 pkg-config \
  && rm -rf /var/lib/apt/lists/*
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false CI=true
WORKDIR /app
# Dependencies first, so that source edits reuse this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
# The addon is built against this image's Node headers (dds-transport:build-native passes the
# running node's prefix as --nodedir); the bundles resolve every @dds/* library at build time.
RUN npx nx run gateway:build --output-style=stream-without-prefixes
# What remains is what the bundles import at run time (the build checks that each such package
# is a production dependency).
RUN npm prune --omit=dev --no-audit --no-fund --loglevel=error

# ---- runtime --------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
# libddsc0debian is the CycloneDDS runtime library the addon links against (cyclonedds-dev
# depends on it); nothing else from the build stage's packages is needed to run.
RUN apt-get update \
  && apt-get install -y --no-install-recommends libddsc0debian \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
# The bundle, its source map and the addon beside it; no TypeScript sources, no tsconfig.
COPY --from=build /app/dist/apps/gateway ./dist/apps/gateway
# `--fleet default` runs the simulated fleet's bundle as a child process (a one-container demo,
# with the loopback DDS config below).
COPY --from=build /app/dist/apps/agent-simulator ./dist/apps/agent-simulator
# The dashboard's pre-compressed page, where the bundle looks for it (beside dist/apps/gateway).
COPY --from=build /app/dist/apps/dashboard ./dist/apps/dashboard
COPY --from=build /app/apps/gateway/config.yaml ./apps/gateway/config.yaml
# Multicast-free discovery by default (peers: the compose service names); mount or point
# CYCLONEDDS_URI at another file for other networks, or at the loopback one when the whole fleet
# runs inside this container.
COPY tools/dds/cyclonedds-unicast-peers.xml /etc/dds-llm/cyclonedds.xml
COPY tools/dds/cyclonedds-loopback.xml /etc/dds-llm/cyclonedds-loopback.xml
ENV NODE_ENV=production \
  PORT=8080 \
  CYCLONEDDS_URI=file:///etc/dds-llm/cyclonedds.xml
USER node
EXPOSE 8080
# Liveness (GET /health) on the port the gateway listens on (PORT; --port would override it).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/apps/gateway/main.js"]
CMD ["--config", "apps/gateway/config.yaml"]

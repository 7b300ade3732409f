# syntax=docker/dockerfile:1
# The simulated fleet (apps/agent-simulator), from its production build: simulated LLM agents on
# DDS, each with an OpenAI-compatible HTTP port. Build from the repository root:
#   docker build -f docker/agent-simulator.Dockerfile -t dds-llm/agent-simulator .
# or let docker/compose.yaml build it (see the "Docker" section of README.md).

# ---- build: dependencies, then `nx build agent-simulator` (the CycloneDDS addon, the generated
# protocol code and the bundle) ------------------------------------------------------------
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
# running node's prefix as --nodedir); the bundle resolves every @dds/* library at build time.
RUN npx nx run agent-simulator:build --output-style=stream-without-prefixes
# What remains is what the bundle imports at run time (the build checks that each such package
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
COPY --from=build /app/dist/apps/agent-simulator ./dist/apps/agent-simulator
# Multicast-free discovery by default (peers: the compose service names); mount or point
# CYCLONEDDS_URI at another file for other networks.
COPY tools/dds/cyclonedds-unicast-peers.xml /etc/dds-llm/cyclonedds.xml
ENV NODE_ENV=production \
  CYCLONEDDS_URI=file:///etc/dds-llm/cyclonedds.xml
USER node
# The default fleet's four agents serve HTTP on consecutive ports from --port (default 8101).
EXPOSE 8101-8104
# The HTTP host defaults to loopback: pass --host <name or address others reach this container
# by> (compose does), or --no-http for DDS only. No HEALTHCHECK here since HTTP may be off;
# compose checks an agent's /v1/models.
ENTRYPOINT ["node", "--enable-source-maps", "dist/apps/agent-simulator/main.js"]

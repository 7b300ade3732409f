# syntax=docker/dockerfile:1
# The simulated fleet (apps/agent-simulator): simulated LLM agents on DDS, each with an
# OpenAI-compatible HTTP port. Build from the repository root:
#   docker build -f docker/agent-simulator.Dockerfile -t dds-llm/agent-simulator .
# or let docker/compose.yaml build it (see the "Docker" section of README.md).

# ---- build: dependencies, the CycloneDDS addon and the generated protocol code --------------
FROM node:20-bookworm AS build
# The same Debian packages tools/setup installs: CycloneDDS 0.10 (headers, libddsc, idlc for the
# codegen), a C/C++ toolchain, python3 for node-gyp, pkg-config for binding.gyp.
RUN apt-get update \
  && apt-get install -y --no-install-recommends \
    cyclonedds-dev cyclonedds-tools g++ make python3 pkg-config \
  && rm -rf /var/lib/apt/lists/*
# dds-transport:build-native runs node-gyp with --nodedir=/usr (Debian's nodejs layout); this
# image keeps Node's headers under /usr/local.
RUN [ -e /usr/include/node ] || ln -s /usr/local/include/node /usr/include/node
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false CI=true
WORKDIR /app
# Dependencies first, so that source edits reuse this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN npx nx run dds-transport:build-native --output-style=stream-without-prefixes \
  && npx nx run protocol:codegen --output-style=stream-without-prefixes
# What remains is what runs: @swc-node/register, @swc/core and typescript are runtime deps.
RUN npm prune --omit=dev --no-audit --no-fund --loglevel=error

# ---- runtime --------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
# libddsc0debian is the CycloneDDS runtime library the addon links against (cyclonedds-dev
# depends on it); nothing else from the build stage's packages is needed to run.
RUN apt-get update \
  && apt-get install -y --no-install-recommends libddsc0debian \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The TypeScript sources run through @swc-node/register, as `nx serve agent-simulator` does.
COPY --from=build /app/package.json /app/tsconfig.json /app/tsconfig.base.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/libs/openai-schema/src ./libs/openai-schema/src
COPY --from=build /app/libs/dds-transport/src ./libs/dds-transport/src
COPY --from=build /app/libs/dds-transport/build/Release/dds_transport.node ./libs/dds-transport/build/Release/dds_transport.node
COPY --from=build /app/libs/protocol/src ./libs/protocol/src
COPY --from=build /app/libs/agent/src ./libs/agent/src
COPY --from=build /app/apps/agent-simulator/src ./apps/agent-simulator/src
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
ENTRYPOINT ["node", "-r", "@swc-node/register", "apps/agent-simulator/src/main.ts"]

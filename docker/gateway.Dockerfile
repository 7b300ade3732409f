# syntax=docker/dockerfile:1
# The dds-llm gateway. Build from the repository root:
#   docker build -f docker/gateway.Dockerfile -t dds-llm/gateway .
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
# The TypeScript sources run through @swc-node/register, as `nx serve gateway` does: the
# `build` target's tsc output keeps the @dds/* path aliases, which plain node cannot resolve.
COPY --from=build /app/package.json /app/tsconfig.json /app/tsconfig.base.json ./
COPY --from=build /app/node_modules ./node_modules
# Every library's sources: the gateway wires them all (agent and context included, so a new
# import of either needs no Dockerfile change).
COPY --from=build /app/libs/openai-schema/src ./libs/openai-schema/src
COPY --from=build /app/libs/dds-transport/src ./libs/dds-transport/src
COPY --from=build /app/libs/dds-transport/build/Release/dds_transport.node ./libs/dds-transport/build/Release/dds_transport.node
COPY --from=build /app/libs/protocol/src ./libs/protocol/src
COPY --from=build /app/libs/agent/src ./libs/agent/src
COPY --from=build /app/libs/registry/src ./libs/registry/src
COPY --from=build /app/libs/scheduler/src ./libs/scheduler/src
COPY --from=build /app/libs/selector/src ./libs/selector/src
COPY --from=build /app/libs/context/src ./libs/context/src
COPY --from=build /app/apps/gateway/src ./apps/gateway/src
COPY --from=build /app/apps/gateway/config.yaml ./apps/gateway/config.yaml
# `--fleet default` runs the simulated fleet as a child process from its sources (a one-container
# demo, with the loopback DDS config below).
COPY --from=build /app/apps/agent-simulator/src ./apps/agent-simulator/src
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
ENTRYPOINT ["node", "-r", "@swc-node/register", "apps/gateway/src/main.ts"]
CMD ["--config", "apps/gateway/config.yaml"]

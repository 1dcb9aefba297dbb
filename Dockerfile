# syntax=docker/dockerfile:1
# The operator image: Node 24 runs the TypeScript sources directly (type
# stripping), so there is no compile stage; the first stage installs the
# production dependencies only, the last holds Node, them and the sources,
# runs as the distroless nonroot user (65532, as the chart's securityContext)
# and needs nothing writable but /tmp and the ledger volume.
#   docker build -t cloud-empire/operator:0.1.0 .
# hack/image/build.sh assembles the same file system without a registry
# (buildah, FROM scratch, Node from the npm registry) for the image test.

FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
COPY chaincode/package.json chaincode/
# --ignore-scripts: no install script of a production dependency needs to run.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
COPY --from=dependencies /app/node_modules node_modules
COPY package.json ./
COPY chaincode/package.json chaincode/
COPY chaincode/src chaincode/src
COPY src src
USER 65532:65532
ENV NODE_ENV=production LOG_FORMAT=json
EXPOSE 8080
# The heap caps of src/operator/runtime-flags.ts (OPERATOR_NODE_FLAGS).
ENTRYPOINT ["/nodejs/bin/node", "--max-old-space-size=128", "--max-semi-space-size=4", "/app/src/operator/main.ts"]

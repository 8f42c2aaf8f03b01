# syntax=docker/dockerfile:1
# Build: compile TypeScript and the libpcap binding with the full toolchain.
FROM node:20-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpcap-dev python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY pcaps ./pcaps
COPY signatures ./signatures
RUN npx tsc -p . && npm prune --omit=dev

# Run: only the runtime library, the compiled code and the signatures, as a non-root user.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpcap0.8 libcap2-bin tini \
    && rm -rf /var/lib/apt/lists/* \
    # Live capture needs CAP_NET_RAW (and NET_ADMIN for promiscuous mode); granting them to
    # the node binary lets the unprivileged user capture when the container is given them.
    && setcap cap_net_raw,cap_net_admin+eip "$(readlink -f "$(command -v node)")"
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY bin ./bin
COPY signatures ./signatures
COPY pcaps/samples ./pcaps/samples
USER node
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/poolwatch.js"]
CMD ["--help"]

# syntax=docker/dockerfile:1
# Build: compile TypeScript, the AF_PACKET capture addon and the libpcap fallback binding with the full toolchain.
FROM node:20-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpcap-dev python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# The install script builds native/afpacket (against the image's own node headers, no download).
COPY native ./native
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
# Live capture: `live` runs itself again under a copy of node that carries the file capability
# cap_net_raw (the AF_PACKET addon captures in that process's threads; promiscuous mode needs
# nothing more), so the unprivileged user can capture when the container is given NET_RAW.
# The main node binary carries none:
# the kernel refuses to start a binary whose file capabilities the container's bounding set
# lacks (execve fails with EPERM), which would break even `scan` under --cap-drop ALL.
RUN apt-get update && apt-get install -y --no-install-recommends libpcap0.8 libcap2-bin tini \
    && rm -rf /var/lib/apt/lists/* \
    && cp "$(readlink -f "$(command -v node)")" /usr/local/bin/node-capture \
    && setcap cap_net_raw+ep /usr/local/bin/node-capture \
    && getcap /usr/local/bin/node-capture | grep -q cap_net_raw
ENV POOLWATCH_CAPTURE_NODE=/usr/local/bin/node-capture
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/native/afpacket/build/Release/afpacket.node ./native/afpacket/build/Release/afpacket.node
COPY bin ./bin
COPY signatures ./signatures
COPY pcaps/samples ./pcaps/samples
USER node
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/poolwatch.js"]
CMD ["--help"]

# One image for every Pulse service; `pulse <command>` is the entry point.
# Node 24 (not 20): Pulse's TypeScript runs on Node's built-in type stripping (Node >= 22.18).

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# A registry behind a TLS proxy needs its CA: pass it as a build secret (never a layer),
# e.g. `docker build --secret id=ca_bundle,src=/etc/ssl/certs/ca-certificates.crt .`.
RUN --mount=type=secret,id=ca_bundle \
    if [ -f /run/secrets/ca_bundle ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca_bundle; fi; \
    npm ci --no-audit --no-fund
COPY . .
RUN --mount=type=secret,id=ca_bundle \
    if [ -f /run/secrets/ca_bundle ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca_bundle; fi; \
    npx tsc --noEmit -p . && npm run -s build:dashboard && npm prune --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production PULSE_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/cli ./cli
COPY --from=build /app/infra ./infra
COPY --from=build /app/telemetry ./telemetry
COPY --from=build /app/generator ./generator
COPY --from=build /app/speed ./speed
COPY --from=build /app/batch ./batch
COPY --from=build /app/serving ./serving
COPY --from=build /app/dashboard/index.ts ./dashboard/index.ts
COPY --from=build /app/dashboard/dist ./dashboard/dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
ENTRYPOINT ["node", "bin/pulse.mjs"]
CMD ["--help"]

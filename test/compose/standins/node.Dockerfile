# Stand-in for node:24-slim (Debian bookworm, Node 24, npm, user node 1000:1000).
FROM pulse-standin/debian:bookworm
COPY node /usr/local/bin/node
COPY npm.tgz /tmp/npm.tgz
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && mkdir -p /usr/local/lib/node_modules/npm && tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components 1 \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && rm /tmp/npm.tgz && node --version && npm --version
ENV NODE_VERSION=24
CMD ["node"]

# hsagent images (multi-stage). Not tested here: our build machines have no Docker.
#   docker build -t hsagent .                       → `hsagent run` as entrypoint (like HSAgent_2's image)
#   docker build -t hsagentd --target daemon .      → `hsagentd` (agents from a config file + /metrics)
#   docker run --rm -e HSAGENT_USERNAME -e HSAGENT_PASSWORD -e HSAGENT_VAULT_PASSPHRASE \
#     hsagent --name alpha --relay relay:8888 --substrate http://substrate:7780
# Secrets go in the environment (or a mounted 0600 config file), never on the command line.

FROM node:20-bookworm-slim AS build
ENV COREPACK_INTEGRITY_KEYS=0 CI=true
# better-sqlite3 falls back to compiling when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/* && corepack enable
WORKDIR /src
COPY . .
RUN corepack prepare "$(node -p 'require("./package.json").packageManager')" --activate \
  && pnpm install --frozen-lockfile \
  && pnpm turbo run build --filter @hsagent/cli... --filter @hsagent/daemon... \
  && pnpm --filter @hsagent/cli --prod deploy --legacy /out/cli \
  && pnpm --filter @hsagent/daemon --prod deploy --legacy /out/daemon

FROM node:20-bookworm-slim AS base
ENV NODE_ENV=production
RUN groupadd --system hsagent && useradd --system --gid hsagent --create-home --home-dir /home/hsagent hsagent
WORKDIR /home/hsagent

FROM base AS daemon
COPY --from=build --chown=root:root /out/daemon /opt/hsagentd
USER hsagent
EXPOSE 9464
ENTRYPOINT ["node", "/opt/hsagentd/dist/bin/hsagentd.js"]
CMD ["--config", "/etc/hsagentd/hsagentd.json"]

FROM base AS cli
COPY --from=build --chown=root:root /out/cli /opt/hsagent
RUN ln -s /opt/hsagent/bin/run.js /usr/local/bin/hsagent
USER hsagent
# `docker run hsagent --name alpha` runs `hsagent run --name alpha`;
# `docker run --entrypoint hsagent hsagent relay serve --host 0.0.0.0` runs any other command.
ENTRYPOINT ["node", "/opt/hsagent/bin/run.js", "run"]
CMD ["--help"]

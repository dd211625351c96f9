// Flags shared by the commands that talk to a substrate, run an agent or run a server. Secrets are never
// flags: they come from the environment or the config file.

import { Flags } from "@oclif/core";

/** `--config` and `--substrate`. */
export const substrateFlags = {
  config: Flags.string({
    char: "c",
    description: "Config file (HSAgent_2's client_config.json is accepted as is). Env: HSAGENT_CONFIG.",
  }),
  substrate: Flags.string({
    description: "Substrate base URL (default http://127.0.0.1:7780). Env: HSAGENT_SUBSTRATE_URL.",
  }),
  "ca-file": Flags.string({
    description:
      "PEM file of CA certificates to trust (besides the system ones) for an https:// substrate and a tls:// relay. Env: HSAGENT_CA_FILE.",
  }),
};

/** `--host` and `--port` of a server command (`relay serve`, `substrate serve`); port 0 picks any free port. */
export function listenFlags(defaultPort: number) {
  return {
    host: Flags.string({ description: "Interface to bind.", default: "127.0.0.1" }),
    port: Flags.integer({
      description: "Port; 0 picks any free port.",
      default: defaultPort,
      min: 0,
      max: 65535,
    }),
  };
}

/** Where credentials come from, for help texts. */
export const CREDENTIALS_HELP =
  "Credentials come from HSAGENT_USERNAME and HSAGENT_PASSWORD, or HSAGENT_API_KEY, or the config file's " +
  "api.credentials; the vault passphrase from HSAGENT_VAULT_PASSPHRASE or the config file. Secrets are never " +
  "accepted as flags, so `ps` cannot show them.";

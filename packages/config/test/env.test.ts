// The one reading of the environment: empty counts as unset, bad values name the variable,
// secrets are registered for scrubbing as they are read.
import { describe, expect, it } from "vitest";
import { ConfigError, readEnvironment, scrub } from "../src/index.js";

describe("readEnvironment", () => {
  it("reads every HSAGENT_* setting; empty variables are unset", () => {
    const e = readEnvironment({
      HSAGENT_CONFIG: "/c.json",
      HSAGENT_RELAY: "tls://r:1",
      HSAGENT_SUBSTRATE_URL: "https://s/",
      HSAGENT_API_KEY: "me%0123456789abcdef0123",
      HSAGENT_VAULT_PASSPHRASE: "vault-secret",
      HSAGENT_PQ: "off",
      HSAGENT_LOG_FORMAT: "json",
      HSAGENT_EXCHANGE_LIMIT: "7",
      HSAGENT_NAME: "",
    });
    expect(e).toMatchObject({
      config: "/c.json",
      relay: "tls://r:1",
      substrateUrl: "https://s",
      credentials: { key: "me%0123456789abcdef0123" },
      vaultPassphrase: "vault-secret",
      pq: false,
      logFormat: "json",
      exchangeLimit: 7,
      name: undefined,
    });
    expect(scrub("key me%0123456789abcdef0123 pass vault-secret")).toBe("key [redacted] pass [redacted]");
  });

  it.each([
    [{ HSAGENT_USERNAME: "me" }, "HSAGENT_PASSWORD"],
    [{ HSAGENT_PQ: "maybe" }, "HSAGENT_PQ"],
    [{ HSAGENT_LOG_FORMAT: "xml" }, "HSAGENT_LOG_FORMAT"],
    [{ HSAGENT_EXCHANGE_LIMIT: "0" }, "HSAGENT_EXCHANGE_LIMIT"],
    [{ HSAGENT_SUBSTRATE_URL: "ftp://x" }, "HSAGENT_SUBSTRATE_URL"],
  ])("%j is a ConfigError naming %s", (env, field) => {
    expect(() => readEnvironment(env)).toThrowError(ConfigError);
    expect(() => readEnvironment(env)).toThrowError(expect.objectContaining({ field, exit: 2 }));
  });
});

// Config loading: HSAgent_2's client_config.json as is, precedence flags > env > file > defaults,
// and one clear sentence naming the file and field for every bad input.

import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  loadConfigFile,
  parseConfigObject,
  parseHostPort,
  resolveSettings,
  scrub,
} from "../src/index.js";

const FIXTURE = new URL("./fixtures/client_config.json", import.meta.url).pathname;

function tmpFile(content: string, mode = 0o600): string {
  const dir = mkdtempSync(join(tmpdir(), "hsagent-cfg-"));
  const file = join(dir, "config.json");
  writeFileSync(file, content);
  chmodSync(file, mode);
  return file;
}

describe("client_config.json of HSAgent_2", () => {
  it("is accepted unchanged: relay, substrate URL, credentials, line limit, reconnect delay", () => {
    const c = loadConfigFile(FIXTURE);
    expect(c.relayHost).toBe("127.0.0.1");
    expect(c.relayPort).toBe(8888);
    expect(c.substrateUrl).toBe("https://api.summoner.org");
    expect(c.credentials).toEqual({ username: "hsagent_demo_user", password: "demo-password-change-me" });
    expect(c.protocol.maxLineBytes).toBe(65536);
    expect(c.reconnectDelayMs).toBe(3000);
    expect(c.holdsSecrets).toBe(true);
  });

  it("registers the file's password as a secret so error text is scrubbed", () => {
    loadConfigFile(FIXTURE);
    expect(scrub("login failed for demo-password-change-me")).toBe("login failed for [redacted]");
  });
});

describe("precedence: flags > env > file > defaults", () => {
  const file = tmpFile(
    JSON.stringify({
      host: "10.1.1.1",
      port: 9000,
      api: { base_url: "http://file.example:1" },
      hsagent: { name: "fromfile", log_format: "json", protocol: { exchangeLimit: 5 } },
    }),
  );

  it.each([
    {
      what: "defaults alone",
      flags: {},
      env: {},
      relay: { host: "127.0.0.1", port: 8888 },
      expected: { substrateUrl: "http://127.0.0.1:7780", name: null, credentials: null, logFormat: "pretty" },
    },
    {
      what: "the file overrides defaults",
      flags: { config: file },
      env: {},
      relay: { host: "10.1.1.1", port: 9000 },
      expected: {
        substrateUrl: "http://file.example:1",
        name: "fromfile",
        logFormat: "json",
        protocol: { exchangeLimit: 5 },
      },
    },
    {
      what: "the environment overrides the file, and HSAGENT_CONFIG names the file",
      flags: {},
      env: {
        HSAGENT_CONFIG: file,
        HSAGENT_RELAY: "relay.env:7000",
        HSAGENT_SUBSTRATE_URL: "http://env.example:2",
        HSAGENT_NAME: "fromenv",
        HSAGENT_EXCHANGE_LIMIT: "7",
        HSAGENT_USERNAME: "u",
        HSAGENT_PASSWORD: "envpassword",
      },
      relay: { host: "relay.env", port: 7000 },
      expected: {
        substrateUrl: "http://env.example:2",
        name: "fromenv",
        protocol: { exchangeLimit: 7 },
        credentials: { username: "u", password: "envpassword" },
      },
    },
    {
      what: "flags override the environment",
      flags: {
        config: file,
        relay: "[::1]:7001",
        substrate: "http://flag.example:3/",
        name: "fromflag",
        exchangeLimit: 2,
      },
      env: { HSAGENT_RELAY: "relay.env:7000", HSAGENT_NAME: "fromenv", HSAGENT_EXCHANGE_LIMIT: "7" },
      relay: { host: "::1", port: 7001 },
      expected: { substrateUrl: "http://flag.example:3", name: "fromflag", protocol: { exchangeLimit: 2 } },
    },
  ])("$what", ({ flags, env, relay, expected }) => {
    const s = resolveSettings(flags, env);
    expect(s.relay).toEqual(relay);
    expect(s).toMatchObject(expected);
  });

  it("an API key in the environment wins over file credentials", () => {
    const s = resolveSettings({ config: FIXTURE }, { HSAGENT_API_KEY: "me%abcdef0123456789abcdef" });
    expect(s.credentials).toEqual({ key: "me%abcdef0123456789abcdef" });
  });

  it("warns when a file holding secrets is readable by others", () => {
    const open = tmpFile(
      JSON.stringify({ api: { credentials: { username: "a", password: "pw-123456" } } }),
      0o644,
    );
    expect(resolveSettings({ config: open }, {}).warnings.join()).toMatch(/chmod 600/);
    const closed = tmpFile(
      JSON.stringify({ api: { credentials: { username: "a", password: "pw-123456" } } }),
      0o600,
    );
    expect(resolveSettings({ config: closed }, {}).warnings).toEqual([]);
  });
});

describe("the hybrid post-quantum switch: --no-pq > HSAGENT_PQ > hsagent.pq > on", () => {
  it("is on by default and follows the precedence", () => {
    const off = tmpFile(JSON.stringify({ hsagent: { pq: false } }));
    expect(resolveSettings({}, {}).pq).toBe(true);
    expect(resolveSettings({ config: off }, {}).pq).toBe(false);
    expect(resolveSettings({ config: off }, { HSAGENT_PQ: "on" }).pq).toBe(true);
    expect(resolveSettings({}, { HSAGENT_PQ: "off" }).pq).toBe(false);
    expect(resolveSettings({ pq: true }, { HSAGENT_PQ: "off" }).pq).toBe(true);
    expect(resolveSettings({ pq: false }, {}).pq).toBe(false);
  });

  it("refuses a value that is not a boolean", () => {
    expect(() => resolveSettings({}, { HSAGENT_PQ: "maybe" })).toThrow(ConfigError);
    const bad = tmpFile(JSON.stringify({ hsagent: { pq: "yes" } }));
    expect(() => resolveSettings({ config: bad }, {})).toThrow(/hsagent\.pq/);
  });
});

describe("the CA file for https:// substrates", () => {
  it("comes from --ca-file > HSAGENT_CA_FILE > hsagent.ca_file (relative to the config file)", () => {
    const file = tmpFile(JSON.stringify({ hsagent: { ca_file: "certs/ca.pem" } }));
    const fromFile = resolveSettings({ config: file }, {});
    expect(fromFile.caFile).toBe(join(file, "..", "certs", "ca.pem"));
    expect(resolveSettings({ config: file }, { HSAGENT_CA_FILE: "/env/ca.pem" }).caFile).toBe("/env/ca.pem");
    expect(
      resolveSettings({ config: file, caFile: "/flag/ca.pem" }, { HSAGENT_CA_FILE: "/env/ca.pem" }).caFile,
    ).toBe("/flag/ca.pem");
    expect(resolveSettings({}, {}).caFile).toBeNull();
  });

  it("rejects a non-string hsagent.ca_file naming the field", () => {
    const file = tmpFile(JSON.stringify({ hsagent: { ca_file: 7 } }));
    expect(() => resolveSettings({ config: file }, {})).toThrowError(/hsagent\.ca_file/);
  });
});

describe("bad input: one sentence naming the file and field", () => {
  it("missing file", () => {
    expect(() => loadConfigFile("/nonexistent/dir/c.json")).toThrowError(
      /config file \/nonexistent\/dir\/c\.json does not exist/,
    );
  });

  it("malformed JSON names the file", () => {
    const f = tmpFile('{"host": "a",,}');
    const err = catchErr(() => loadConfigFile(f));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(f);
    expect(err.message).toMatch(/not valid JSON/);
    expect(err.message.split("\n")).toHaveLength(1);
  });

  it.each([
    [{ port: "8888" }, "port"],
    [{ port: 70000 }, "port"],
    [{ host: 5 }, "host"],
    [{ api: { base_url: "ftp://x" } }, "api.base_url"],
    [{ api: { credentials: { username: "a" } } }, "api.credentials.password"],
    [{ api: { credentials: { username: "a b", password: "x" } } }, "api.credentials.username"],
    [
      { hyper_parameters: { receiver: { max_bytes_per_line: -1 } } },
      "hyper_parameters.receiver.max_bytes_per_line",
    ],
    [{ hsagent: { allow_legacy: "yes" } }, "hsagent.allow_legacy"],
    [{ hsagent: { protocol: { exchangeLimit: 0 } } }, "hsagent.protocol.exchangeLimit"],
    [{ hsagent: { protocol: { retransmitMS: 5 } } }, "hsagent.protocol.retransmitMS"],
    [{ hsagent: { nmae: "typo" } }, "hsagent.nmae"],
    [{ hsagent: { relay: "nohostport" } }, "hsagent.relay"],
  ])("%j → field %s", (raw, field) => {
    const err = catchErr(() => parseConfigObject(raw, "/x/c.json"));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe(field);
    expect(err.message).toContain("/x/c.json");
    expect(err.message).toContain(field);
  });

  it("environment values are checked too", () => {
    expect(() => resolveSettings({}, { HSAGENT_EXCHANGE_LIMIT: "many" })).toThrowError(
      /HSAGENT_EXCHANGE_LIMIT/,
    );
    expect(() => resolveSettings({}, { HSAGENT_USERNAME: "u" })).toThrowError(/HSAGENT_PASSWORD/);
    expect(() => resolveSettings({}, { HSAGENT_RELAY: "h:0" })).toThrowError(/HSAGENT_RELAY/);
  });

  it("host:port parsing", () => {
    expect(parseHostPort("localhost:8888", "x")).toEqual({ host: "localhost", port: 8888 });
    expect(parseHostPort("[::1]:1", "x")).toEqual({ host: "::1", port: 1 });
    for (const bad of ["", ":80", "h:", "h:65536", "h:80:90", "h p:80"]) {
      expect(() => parseHostPort(bad, "x")).toThrowError(ConfigError);
    }
  });

  it("any JSON at all either parses or fails with a ConfigError, never anything else", () => {
    const field = fc.oneof(fc.jsonValue(), fc.constant(undefined));
    const arb = fc.record(
      {
        host: field,
        port: field,
        api: fc.oneof(
          field,
          fc.record({
            base_url: field,
            credentials: fc.oneof(field, fc.record({ username: field, password: field })),
          }),
        ),
        hyper_parameters: fc.oneof(
          field,
          fc.record({ receiver: fc.oneof(field, fc.record({ max_bytes_per_line: field })) }),
        ),
        hsagent: fc.oneof(
          field,
          fc.record({ name: field, relay: field, allow_legacy: field, protocol: field }),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(arb, fc.jsonValue()), (raw) => {
        try {
          parseConfigObject(JSON.parse(JSON.stringify(raw ?? null)), "/f.json");
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          if (err.message.includes("\n")) throw new Error("multi-line message");
        }
      }),
      { numRuns: 2000 },
    );
  });
});

function catchErr(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}

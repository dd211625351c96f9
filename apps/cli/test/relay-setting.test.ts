// The relay setting: HOST:PORT, tcp:// and tls:// from flag, environment or config file, and the
// CA file for a TLS relay (flag > env > file); bad values are ConfigErrors naming the source.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRelaySetting, relayTlsOptions, resolveSettings } from "@hsagent/config";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/lib/errors.js";

const dir = mkdtempSync(join(tmpdir(), "hsagent-relay-setting-"));

describe("relay setting", () => {
  it("parses plain and tls:// addresses", () => {
    expect(parseRelaySetting("10.0.0.5:8888", "--relay")).toEqual({ host: "10.0.0.5", port: 8888 });
    expect(parseRelaySetting("tcp://h:1", "--relay")).toEqual({ host: "h", port: 1 });
    expect(parseRelaySetting("tls://relay.example:443", "--relay")).toEqual({
      host: "relay.example",
      port: 443,
      tls: true,
    });
    for (const bad of ["tls://", "nats://h:1", "tls://h:0", "h"]) {
      expect(() => parseRelaySetting(bad, "--relay"), bad).toThrowError(
        /--relay must be HOST:PORT or tls:\/\//,
      );
    }
  });

  it("takes tls:// and the CA file from the config file, the environment and flags, in that order", () => {
    const file = join(dir, "c.json");
    writeFileSync(
      file,
      JSON.stringify({ hsagent: { relay: "tls://r.example:9443", relay_ca_file: "/f/ca.pem" } }),
    );
    const fromFile = resolveSettings({ config: file }, {});
    expect(fromFile.relay).toEqual({ host: "r.example", port: 9443, tls: true });
    expect(fromFile.relayCaFile).toBe("/f/ca.pem");
    const fromEnv = resolveSettings({ config: file }, { HSAGENT_RELAY_CA_FILE: "/e/ca.pem" });
    expect(fromEnv.relayCaFile).toBe("/e/ca.pem");
    const fromFlag = resolveSettings({ config: file, caFile: "/x/ca.pem", relay: "127.0.0.1:1" }, {});
    expect(fromFlag.relay).toEqual({ host: "127.0.0.1", port: 1 });
    expect(fromFlag.relayCaFile).toBe("/f/ca.pem"); // the relay-only CA of the file
    expect(fromFlag.caFile).toBe("/x/ca.pem"); // --ca-file: trusted by every TLS connection
    writeFileSync(file, JSON.stringify({ hsagent: { relay: "udp://x:1" } }));
    expect(() => resolveSettings({ config: file }, {})).toThrowError(ConfigError);
  });

  it("builds the client's TLS options: CA read for tls://, a relay-only CA refused for plain TCP", () => {
    const ca = join(dir, "ca.pem");
    writeFileSync(ca, "-----BEGIN CERTIFICATE-----\n");
    expect(relayTlsOptions({ host: "h", port: 1 }, null)).toEqual({});
    expect(relayTlsOptions({ host: "h", port: 1, tls: true }, null)).toEqual({ tls: {} });
    expect(relayTlsOptions({ host: "h", port: 1, tls: true }, ca).tls?.ca?.toString()).toContain("BEGIN");
    expect(() => relayTlsOptions({ host: "h", port: 1 }, ca)).toThrowError(ConfigError);
    // --ca-file is shared with an https:// substrate: harmless on a plain relay, used for tls://.
    expect(relayTlsOptions({ host: "h", port: 1 }, null, ca)).toEqual({});
    expect(relayTlsOptions({ host: "h", port: 1, tls: true }, null, ca).tls?.ca?.toString()).toContain(
      "BEGIN",
    );
    expect(() => relayTlsOptions({ host: "h", port: 1, tls: true }, join(dir, "missing.pem"))).toThrowError(
      /cannot read the relay CA file/,
    );
  });
});

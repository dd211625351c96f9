// The relay setting names NATS servers with nats:// (or nats+tls://); HOST:PORT and tcp:// keep
// the TCP relay. Precedence (flag > env > file) holds across both kinds.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveSettings } from "@hsagent/config";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../src/lib/errors.js";

const dir = mkdtempSync(join(tmpdir(), "hsagent-nats-setting-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(relay: string): string {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ hsagent: { relay } }), { mode: 0o600 });
  return file;
}

describe("relay setting: TCP relay or NATS", () => {
  it("nats:// in a flag, the environment or the file selects NATS", () => {
    const url = "nats://h1:4222,nats://h2:4222";
    expect(resolveSettings({ relay: url }, {}).nats).toBe(url);
    expect(resolveSettings({}, { HSAGENT_RELAY: url }).nats).toBe(url);
    expect(resolveSettings({ config: configFile(url) }, {}).nats).toBe(url);
    expect(resolveSettings({ relay: "nats+tls://h:4222" }, {}).nats).toBe("nats+tls://h:4222");
  });

  it("HOST:PORT and tcp:// keep the relay, and a later source overrides an earlier one", () => {
    const s = resolveSettings({ relay: "tcp://relay.example:7000" }, { HSAGENT_RELAY: "nats://n:4222" });
    expect(s.nats).toBeNull();
    expect(s.relay).toEqual({ host: "relay.example", port: 7000 });
    const t = resolveSettings({ relay: "nats://n:4222" }, { HSAGENT_RELAY: "relay.example:7000" });
    expect(t.nats).toBe("nats://n:4222");
    const u = resolveSettings({}, { HSAGENT_RELAY: "r:1", HSAGENT_CONFIG: configFile("nats://n:4222") });
    expect(u.nats).toBeNull();
    expect(resolveSettings({}, {}).nats).toBeNull();
  });

  it("refuses credentials in a NATS URL (they would be in argv) without echoing them", () => {
    for (const [flags, env] of [
      [{ relay: "nats://alice:hunter2@h:4222" }, {}],
      [{}, { HSAGENT_RELAY: "nats://tok3n@h:4222" }],
      [{ relay: "nats://h:4222,h2:4222" }, {}],
    ] as const) {
      let err: unknown;
      try {
        resolveSettings(flags, env);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect(String((err as Error).message)).not.toMatch(/hunter2|tok3n/);
    }
    expect(() => resolveSettings({ config: configFile("nats://u:p@h") }, {})).toThrowError(/hsagent\.relay/);
  });
});

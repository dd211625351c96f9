import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isNatsUrl, natsAuthFromEnv, parseNatsServers } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "hsagent-nats-settings-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("NATS relay settings", () => {
  it("tells NATS URLs from relay addresses", () => {
    expect(isNatsUrl("nats://h1:4222,nats://h2:4222")).toBe(true);
    expect(isNatsUrl("NATS+TLS://h:4222")).toBe(true);
    expect(isNatsUrl("127.0.0.1:8888")).toBe(false);
    expect(isNatsUrl("tcp://127.0.0.1:8888")).toBe(false);
    expect(isNatsUrl("tls://relay:8888")).toBe(false);
  });

  it("parses a server list, with default port and TLS flag", () => {
    expect(parseNatsServers("nats://h1:4222, nats://h2")).toEqual({
      servers: ["h1:4222", "h2:4222"],
      tls: false,
    });
    expect(parseNatsServers("nats+tls://[::1]:4333")).toEqual({ servers: ["[::1]:4333"], tls: true });
  });

  it("refuses credentials in the URL, other schemes, paths and empty entries", () => {
    for (const bad of [
      "nats://user:secret@h:4222",
      "nats://token@h:4222",
      "nats://h:4222,tcp://h:8888",
      "nats://h:4222/path",
      "nats://h:4222,",
      "nats://",
      "nats://h:99999",
    ]) {
      expect(() => parseNatsServers(bad), bad).toThrow(/relay/);
    }
    try {
      parseNatsServers("nats://user:s3cret-pw@h:4222");
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("s3cret");
    }
  });

  it("reads credentials from the environment or files, one kind at a time", () => {
    const pw = join(dir, "pw");
    writeFileSync(pw, "from-file\n", { mode: 0o600 });
    expect(natsAuthFromEnv({})).toEqual({ kind: "none" });
    expect(natsAuthFromEnv({ HSAGENT_NATS_USER: "u", HSAGENT_NATS_PASSWORD: "p" })).toEqual({
      kind: "userpass",
      user: "u",
      pass: "p",
    });
    expect(natsAuthFromEnv({ HSAGENT_NATS_USER: "u", HSAGENT_NATS_PASSWORD_FILE: pw })).toMatchObject({
      pass: "from-file",
    });
    expect(natsAuthFromEnv({ HSAGENT_NATS_TOKEN_FILE: pw })).toEqual({ kind: "token", token: "from-file" });
    expect(natsAuthFromEnv({ HSAGENT_NATS_CREDS: "/x.creds" })).toEqual({ kind: "creds", file: "/x.creds" });
    expect(() => natsAuthFromEnv({ HSAGENT_NATS_USER: "u" })).toThrow(/PASSWORD/);
    expect(() => natsAuthFromEnv({ HSAGENT_NATS_TOKEN: "t", HSAGENT_NATS_CREDS: "/c" })).toThrow(/one kind/);
    expect(() => natsAuthFromEnv({ HSAGENT_NATS_TOKEN_FILE: join(dir, "missing") })).toThrow(/ENOENT/);
  });
});

// hsagentd's "relay" field: nats:// selects NATS servers, HOST:PORT or tcp:// the TCP relay.
import { describe, expect, it } from "vitest";
import { DaemonConfigError, parseDaemonConfig } from "../src/index.js";

describe("parseDaemonConfig: relay or NATS", () => {
  it("takes nats:// URLs as NATS servers", () => {
    const c = parseDaemonConfig({ agents: ["a"], relay: "nats://h1:4222,nats://h2:4222" });
    expect(c.nats).toBe("nats://h1:4222,nats://h2:4222");
  });

  it("keeps the TCP relay for HOST:PORT, tcp:// and the default", () => {
    expect(parseDaemonConfig({ agents: ["a"], relay: "tcp://r:9000" })).toMatchObject({
      nats: null,
      relay: { host: "r", port: 9000 },
    });
    expect(parseDaemonConfig({ agents: ["a"] })).toMatchObject({
      nats: null,
      relay: { host: "127.0.0.1", port: 8888 },
    });
  });

  it("takes tls:// relays (with a relay-only CA file) and the pq setting, like the CLI", () => {
    const c = parseDaemonConfig({
      agents: ["a"],
      relay: "tls://r:9443",
      relay_ca_file: "/ca.pem",
      pq: false,
    });
    expect(c).toMatchObject({
      relay: { host: "r", port: 9443, tls: true },
      relayCaFile: "/ca.pem",
      pq: false,
    });
    expect(parseDaemonConfig({ agents: ["a"] })).toMatchObject({ relayCaFile: null, pq: true });
    for (const [raw, field] of [
      [{ agents: ["a"], relay: "r:1", relay_ca_file: "/ca.pem" }, "relay_ca_file"],
      [{ agents: ["a"], pq: "yes" }, "pq"],
    ] as const) {
      expect(() => parseDaemonConfig(raw, "/d.json")).toThrowError(DaemonConfigError);
      expect(() => parseDaemonConfig(raw, "/d.json")).toThrowError(expect.objectContaining({ field }));
    }
  });

  it.each(["nats://user:pw@h:4222", "nats://h:4222,r:8888", "nats://h:4222/x", 42])("refuses %j", (relay) => {
    expect(() => parseDaemonConfig({ agents: ["a"], relay }, "/d.json")).toThrowError(DaemonConfigError);
    try {
      parseDaemonConfig({ agents: ["a"], relay }, "/d.json");
    } catch (err) {
      expect((err as DaemonConfigError).field).toBe("relay");
      expect((err as Error).message).not.toContain("pw@");
    }
  });
});

// hsagentd as a real child process (the BUILT bin) with two agents against a real substrate
// server (SQLite) and relay: /healthz, /readyz, /metrics counting sessions, then SIGTERM →
// exit 0 within 5 s with no session state left in the substrate.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RelayServer } from "@hsagent/relay";
import { SubstrateIdentityRegistry, SubstrateSessionStore } from "@hsagent/stores";
import { SubstrateClient } from "@hsagent/substrate-client";
import type { RunningSubstrateServer } from "@hsagent/substrate-server";
import { describe, expect, it } from "vitest";
import { startBin, useTestWorld } from "../../cli/test/helpers.js";

const BIN = fileURLToPath(new URL("../dist/bin/hsagentd.js", import.meta.url));
const PASSWORD = "Daemon-Secret-Pw-31337";
const PASSPHRASE = "Daemon-Vault-Passphrase-42";

let dir: string;
let substrate: RunningSubstrateServer;
let relay: RelayServer;

useTestWorld("hsagentd-", (w) => ({ dir, substrate, relay } = w));

/** Start the built `hsagentd args...` with a clean environment plus `env`. */
const start = (args: string[], env: Record<string, string>) => startBin(BIN, args, { env });

async function until<T>(fn: () => Promise<T | null> | T | null, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function metric(text: string, name: string, labels: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").pop()) : null;
}

describe("hsagentd", () => {
  it("serves health and metrics with sessions counted; SIGTERM exits 0 within 5 s with sessions purged", async () => {
    const cfg = join(dir, "hsagentd.json");
    writeFileSync(
      cfg,
      JSON.stringify({
        substrate: substrate.url,
        relay: `127.0.0.1:${relay.address.port}`,
        agents: ["alpha", "beta"],
        http: { host: "127.0.0.1", port: 0 },
        protocol: { registerIntervalMs: 200 },
      }),
    );
    const d = start(["--config", cfg], {
      HSAGENT_USERNAME: "daemon_user",
      HSAGENT_PASSWORD: PASSWORD,
      HSAGENT_VAULT_PASSPHRASE: PASSPHRASE,
    });
    const url = await until(
      () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(d.out.stdout)?.[1] ?? null,
      30_000,
      "the listening line",
    );
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // Ready once every agent started (503 while they start).
    await until(
      async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : null),
      30_000,
      "/readyz 200",
    );
    expect((await fetch(`${url}/nope`)).status).toBe(404);

    const text = await until(
      async () => {
        const t = await (await fetch(`${url}/metrics`)).text();
        const a = metric(t, "hsagent_sessions_total", 'agent="alpha",outcome="closed"') ?? 0;
        const b = metric(t, "hsagent_sessions_total", 'agent="beta",outcome="closed"') ?? 0;
        return a >= 2 && b >= 2 ? t : null;
      },
      30_000,
      "2 closed sessions per agent in /metrics",
    );
    expect(text).toContain("# TYPE hsagent_sessions_total counter");
    expect(text).toContain("# TYPE hsagent_handshake_duration_seconds histogram");
    expect(metric(text, "hsagent_handshake_duration_seconds_count", 'agent="alpha"')).toBeGreaterThanOrEqual(
      2,
    );
    expect(metric(text, "hsagent_handshake_duration_seconds_bucket", 'le="+Inf",agent="alpha"')).toBe(
      metric(text, "hsagent_handshake_duration_seconds_count", 'agent="alpha"'),
    );
    expect(metric(text, "hsagent_substrate_calls_total", 'agent="alpha"')).toBeGreaterThan(0);
    expect(metric(text, "hsagent_relay_reconnects_total", 'agent="beta"')).not.toBeNull();
    expect(metric(text, "hsagent_agent_ready", 'agent="beta"')).toBe(1);

    // SIGTERM while a session is open: its state must be purged too.
    await until(
      async () => {
        const t = await (await fetch(`${url}/metrics`)).text();
        const open =
          (metric(t, "hsagent_sessions_active", 'agent="alpha"') ?? 0) +
          (metric(t, "hsagent_sessions_active", 'agent="beta"') ?? 0);
        return open > 0 ? true : null;
      },
      15_000,
      "an open session",
    );
    const sentAt = Date.now();
    d.child.kill("SIGTERM");
    const { code } = await d.done;
    const at = Date.now();
    expect(code).toBe(0);
    expect(at - sentAt).toBeLessThan(5000);

    // No session state left for either agent.
    const client = new SubstrateClient({
      baseUrl: substrate.url,
      credentials: { username: "daemon_user", password: PASSWORD },
    });
    await client.login();
    const registry = new SubstrateIdentityRegistry(client);
    for (const name of ["alpha", "beta"]) {
      const me = await registry.hydrate(name, PASSPHRASE);
      expect(me).not.toBeNull();
      const sessions = new SubstrateSessionStore(client, me!.identity.agentId, me!.identity.identityObjId);
      expect(await sessions.list()).toEqual([]);
    }
    // JSON logs only, no secret anywhere.
    for (const line of d.out.stdout.trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
    expect(d.out.stdout + d.out.stderr).not.toContain(PASSWORD);
    expect(d.out.stdout + d.out.stderr).not.toContain(PASSPHRASE);
  }, 90_000);

  it("bad config or missing secrets: one line on stderr and a non-zero exit", async () => {
    const missing = start(["--config", join(dir, "none.json")], {});
    expect((await missing.done).code).toBe(2);
    expect(missing.out.stderr).toMatch(/^hsagentd: config file .*none\.json does not exist\n$/);

    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ agents: [], relay: "x" }));
    const b = start(["--config", bad], {});
    expect((await b.done).code).toBe(2);
    expect(b.out.stderr).toMatch(/relay must be HOST:PORT or tls:\/\/HOST:PORT/);

    const good = join(dir, "good.json");
    writeFileSync(good, JSON.stringify({ substrate: substrate.url, agents: ["a"], http: { port: 0 } }));
    const nocreds = start(["--config", good], {});
    expect((await nocreds.done).code).toBe(1);
    expect(nocreds.out.stderr).toMatch(/no substrate credentials/);

    const flag = start(["--config", good, "--password", "x"], {});
    expect((await flag.done).code).toBe(2);
    expect(flag.out.stderr.trim().split("\n")).toHaveLength(1);
  }, 60_000);
});

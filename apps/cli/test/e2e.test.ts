// End-to-end tests of the BUILT binary (`node apps/cli/bin/run.js`), against a real substrate
// server (SQLite) and a real relay started in this process. Build first: `pnpm --filter
// @hsagent/cli build` (the root `pnpm test` builds everything before vitest).

import { readFileSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import type { RelayServer } from "@hsagent/relay";
import { SubstrateClient } from "@hsagent/substrate-client";
import type { RunningSubstrateServer } from "@hsagent/substrate-server";
import { describe, expect, it } from "vitest";
import { hasStack, jsonLines, runCli, startCli, useTestWorld, waitFor } from "./helpers.js";

const PASSWORD = "Sup3r-Secret-Pw-4711";
const PASSPHRASE = "Vault-Passphrase-0815-xyz";
const USERNAME = "e2e_user";

let dir: string;
let substrate: RunningSubstrateServer;
let relay: RelayServer;

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function writeClientConfig(
  name: string,
  overrides: { baseUrl: string; port: number; password?: string },
): string {
  const fixture = JSON.parse(
    readFileSync(new URL("./fixtures/client_config.json", import.meta.url), "utf8"),
  ) as {
    port: number;
    api: { base_url: string; credentials: { username: string; password: string } };
  };
  fixture.port = overrides.port;
  fixture.api.base_url = overrides.baseUrl;
  fixture.api.credentials = { username: USERNAME, password: overrides.password ?? PASSWORD };
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(fixture, null, 2), { mode: 0o600 });
  return file;
}

useTestWorld("hsagent-cli-e2e-", (w) => ({ dir, substrate, relay } = w));

describe("hsagent up", () => {
  it("--sessions 2 --json on a fresh data dir exits 0 with >= 2 sessions for the pair; inspect-session shows the audit trail", async () => {
    const data = join(dir, "up-data");
    const r = await runCli(
      [
        "up",
        "--sessions",
        "2",
        "--json",
        "--data-dir",
        data,
        "--relay-port",
        "0",
        "--substrate-port",
        "0",
        "--timeout",
        "60",
      ],
      { timeoutMs: 90_000 },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      ok: boolean;
      pairs: { pair: string[]; sessions: number; lastHandshakeMs: number | null; keyAgreement: string }[];
      agents: { name: string; agentId: string }[];
    };
    expect(summary.ok).toBe(true);
    expect(summary.pairs).toHaveLength(1);
    expect(summary.pairs[0]?.pair).toEqual(["alpha", "beta"]);
    expect(summary.pairs[0]?.sessions).toBeGreaterThanOrEqual(2);
    expect(summary.pairs[0]?.lastHandshakeMs).toBeGreaterThan(0);
    expect(summary.pairs[0]?.keyAgreement).toBe("x25519+mlkem768");
    // Generated secrets are stored 0600 and never printed.
    const secretsFile = join(data, "secrets.json");
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(readFileSync(secretsFile, "utf8")) as {
      password: string;
      vaultPassphrase: string;
    };
    expect(r.stdout).not.toContain(secrets.password);
    expect(r.stdout).not.toContain(secrets.vaultPassphrase);

    const ins = await runCli([
      "inspect-session",
      "--data-dir",
      data,
      "--name",
      "alpha",
      "--audit",
      "50",
      "--json",
    ]);
    expect(ins.stderr).toBe("");
    expect(ins.code).toBe(0);
    const report = JSON.parse(ins.stdout) as {
      agents: {
        name: string;
        sessions: unknown[];
        audit: { type: string; peerName?: string; detail?: { keyAgreement?: string } }[];
        auditChainValid: boolean;
      }[];
    };
    const alpha = report.agents[0]!;
    expect(alpha.name).toBe("alpha");
    expect(alpha.auditChainValid).toBe(true);
    expect(alpha.sessions).toEqual([]); // purged after clean teardown
    const types = alpha.audit.map((e) => e.type);
    for (const t of ["SESSION_STARTED", "HANDSHAKE_OK", "SESSION_CLOSED"]) expect(types).toContain(t);
    expect(types.filter((t) => t === "SESSION_CLOSED").length).toBeGreaterThanOrEqual(2);
    expect(alpha.audit.find((e) => e.type === "HANDSHAKE_OK")?.peerName).toBe("beta");
    expect(alpha.audit.find((e) => e.type === "HANDSHAKE_OK")?.detail?.keyAgreement).toBe("x25519+mlkem768");
    expect(ins.stdout).not.toContain(secrets.password);

    // Human output, filtered by peer.
    const human = await runCli(["inspect-session", "--data-dir", data, "--peer", "alpha", "--audit", "5"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("agent beta (");
    expect(human.stdout).toContain("audit chain: valid");
    expect(human.stdout).toMatch(/HANDSHAKE_OK {2}peer=alpha {2}v2 {2}x25519\+mlkem768/);
    expect(human.stdout).not.toMatch(/peer=beta/);
  }, 120_000);

  it("Ctrl-C (SIGINT) ends with one summary line, exit 0 and nothing on stderr", async () => {
    const data = join(dir, "up-sigint");
    const up = startCli(["up", "--data-dir", data, "--relay-port", "0", "--substrate-port", "0"]);
    await waitFor(() => /1 session completed/.test(up.out.stdout), 60_000, "a completed session");
    up.child.kill("SIGINT");
    const r = await up.done;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const last = r.stdout.trim().split("\n").pop();
    expect(last).toMatch(
      /^stopped after \d+\.\d s: \d+ sessions? completed over 1 pair, 0 rejected, \d+ aborted$/,
    );
  }, 90_000);
  it("--no-pq: the sessions use classic x25519", async () => {
    const data = join(dir, "up-nopq");
    const args = ["up", "--sessions", "1", "--json", "--no-pq", "--data-dir", data];
    const r = await runCli([...args, "--relay-port", "0", "--substrate-port", "0", "--timeout", "60"], {
      timeoutMs: 90_000,
    });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { pairs: { sessions: number; keyAgreement: string }[] };
    expect(summary.pairs[0]?.sessions).toBeGreaterThanOrEqual(1);
    expect(summary.pairs[0]?.keyAgreement).toBe("x25519");
  }, 120_000);
});

describe("hsagent selftest", () => {
  it("--json against a live server reports every check ok", async () => {
    const r = await runCli(["selftest", "--substrate", substrate.url, "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      checks: { name: string; ok: boolean; ms: number }[];
    };
    expect(report.ok).toBe(true);
    expect(report.checks.length).toBeGreaterThanOrEqual(10);
    for (const c of report.checks) {
      expect(c.ok, c.name).toBe(true);
      expect(c.ms).toBeGreaterThanOrEqual(0);
    }
  }, 60_000);

  it("against a closed port: exit 1 and one sentence", async () => {
    const port = await closedPort();
    const r = await runCli(["selftest", "--substrate", `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot reach the substrate/);
  });
});

describe("hsagent run with HSAgent_2's client_config.json", () => {
  it("passes the pre-flight, completes sessions with a second agent, stops on SIGTERM; secrets never shown", async () => {
    const cfg = writeClientConfig("client_config.json", { baseUrl: substrate.url, port: relay.address.port });
    const env = { HSAGENT_VAULT_PASSPHRASE: PASSPHRASE };
    const alpha = startCli(["run", "--name", "alpha", "--config", cfg, "--log-format", "json"], { env });
    // beta after alpha's pre-flight has registered the account.
    await waitFor(() => alpha.out.stdout.includes('"event":"selftest"'), 60_000, "alpha's pre-flight");
    const beta = startCli(
      ["run", "--name", "beta", "--config", cfg, "--skip-selftest", "--log-format", "json"],
      { env },
    );
    try {
      const closedWith = (out: { stdout: string }, peer: string) =>
        jsonLines(out.stdout).some((l) => l.event === "closed" && l.peerName === peer);
      await waitFor(
        () => closedWith(alpha.out, "beta") && closedWith(beta.out, "alpha"),
        60_000,
        "a completed session",
      );
      const est = jsonLines(alpha.out.stdout).find((l) => l.event === "established");
      expect(est?.version).toBe(2);
      // Each session event is logged exactly once (the runtime logs it; `run` does not log it again).
      for (const event of ["established", "closed"]) {
        const sids = jsonLines(alpha.out.stdout)
          .filter((l) => l.event === event)
          .map((l) => l.sid);
        expect(sids.length).toBeGreaterThan(0);
        expect(new Set(sids).size).toBe(sids.length);
      }
      // Nothing secret in argv as `ps` shows it.
      for (const c of [alpha, beta]) {
        const cmdline = readFileSync(`/proc/${c.child.pid}/cmdline`, "utf8");
        expect(cmdline).not.toContain(PASSWORD);
        expect(cmdline).not.toContain(PASSPHRASE);
      }
    } finally {
      alpha.child.kill("SIGTERM");
      beta.child.kill("SIGTERM");
    }
    const [ra, rb] = await Promise.all([alpha.done, beta.done]);
    expect(ra.code).toBe(0);
    expect(rb.code).toBe(0);
    for (const r of [ra, rb]) {
      const all = r.stdout + r.stderr;
      expect(all).not.toContain(PASSWORD);
      expect(all).not.toContain(PASSPHRASE);
      expect(jsonLines(r.stdout).some((l) => l.event === "stopped")).toBe(true);
    }

    // identity show: public keys and ids only.
    const show = await runCli(["identity", "show", "alpha", "--config", cfg, "--json"]);
    expect(show.code).toBe(0);
    const ident = JSON.parse(show.stdout) as Record<string, unknown>;
    expect(ident.displayName).toBe("alpha");
    expect(typeof ident.signPubB64).toBe("string");
    expect(typeof ident.kxPubB64).toBe("string");
    expect(show.stdout).not.toMatch(/priv/i);

    // A wrong vault passphrase: one sentence, exit 1, no stack, no secret.
    const wrong = await runCli(["run", "--name", "alpha", "--config", cfg, "--skip-selftest"], {
      env: { HSAGENT_VAULT_PASSPHRASE: "not-the-passphrase" },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/vault passphrase/);
    expect(hasStack(wrong.stderr)).toBe(false);
    expect(wrong.stderr + wrong.stdout).not.toContain("not-the-passphrase");

    // Wrong credentials for the existing account: one sentence, exit 1, the password never shown.
    const badCfg = writeClientConfig("bad_config.json", {
      baseUrl: substrate.url,
      port: relay.address.port,
      password: "Wrong-Password-999",
    });
    const bad = await runCli(["run", "--name", "alpha", "--config", badCfg, "--skip-selftest"], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/refused the credentials/);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr + bad.stdout).not.toContain("Wrong-Password-999");
  }, 150_000);
});

describe("bad use: one clear sentence, non-zero exit, no stack trace", () => {
  const env = {
    HSAGENT_USERNAME: USERNAME,
    HSAGENT_PASSWORD: PASSWORD,
    HSAGENT_VAULT_PASSPHRASE: PASSPHRASE,
  };

  it("unknown flag → exit 2", async () => {
    const r = await runCli(["run", "--name", "a", "--password", PASSWORD], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Nonexistent flag: --password/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(hasStack(r.stderr)).toBe(false);
  });

  it("unknown command → exit 2, one sentence", async () => {
    const r = await runCli(["nosuch"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('hsagent: unknown command "nosuch"; run `hsagent --help` for the list\n');
  });

  it("bad flag value → exit 2", async () => {
    const r = await runCli(["up", "--relay-port", "99999"]);
    expect(r.code).toBe(2);
    expect(hasStack(r.stderr)).toBe(false);
  });

  it("missing config file → exit 2 naming the file", async () => {
    const r = await runCli(["run", "--name", "a", "--config", join(dir, "nope.json")], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nope.json does not exist");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("malformed config file → exit 2 naming the file; wrong type → names the field", async () => {
    const f = join(dir, "broken.json");
    writeFileSync(f, '{"host": "127.0.0.1", "port": }');
    const r = await runCli(["run", "--name", "a", "--config", f], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.json is not valid JSON/);
    const g = join(dir, "typed.json");
    writeFileSync(g, '{"port": "8888"}');
    const r2 = await runCli(["run", "--name", "a", "--config", g], { env });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/typed\.json: field "port" must be an integer/);
    expect(hasStack(r.stderr + r2.stderr)).toBe(false);
  });

  it("unreachable substrate → exit 1", async () => {
    const port = await closedPort();
    const r = await runCli(["run", "--name", "a", "--substrate", `http://127.0.0.1:${port}`], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^hsagent: cannot reach the substrate at http:\/\/127\.0\.0\.1:\d+/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("unreachable relay → exit 1", async () => {
    const port = await closedPort();
    const r = await runCli(
      ["run", "--name", "a", "--substrate", substrate.url, "--relay", `127.0.0.1:${port}`, "--skip-selftest"],
      { env },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach the relay at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("missing credentials or passphrase → exit 2 saying where to put them", async () => {
    const r = await runCli(["run", "--name", "a"], { env: { HSAGENT_VAULT_PASSPHRASE: PASSPHRASE } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no substrate credentials/);
    const r2 = await runCli(["run", "--name", "a"], {
      env: { HSAGENT_USERNAME: "u", HSAGENT_PASSWORD: PASSWORD },
    });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/no vault passphrase/);
  });

  it("--debug adds the stack trace", async () => {
    const port = await closedPort();
    const r = await runCli(["selftest", "--substrate", `http://127.0.0.1:${port}`, "--debug"]);
    expect(r.code).toBe(1);
    expect(hasStack(r.stderr)).toBe(true);
  });

  it("every command has help with examples", async () => {
    for (const cmd of [
      ["up"],
      ["run"],
      ["selftest"],
      ["inspect-session"],
      ["relay", "serve"],
      ["substrate", "serve"],
      ["identity", "show"],
    ]) {
      const r = await runCli([...cmd, "--help"]);
      expect(r.code, cmd.join(" ")).toBe(0);
      expect(r.stdout).toContain("EXAMPLES");
      expect(r.stdout).toContain("DESCRIPTION");
    }
  }, 60_000);
});

describe("relay serve and substrate serve", () => {
  it("print one listening line and exit 0 on SIGTERM", async () => {
    const db = join(dir, "serve.db");
    const sub = startCli(["substrate", "serve", "--port", "0", "--db", `sqlite:${db}`]);
    const rel = startCli(["relay", "serve", "--port", "0"]);
    await waitFor(
      () => /substrate listening on http:\/\/127\.0\.0\.1:\d+\n/.test(sub.out.stdout),
      20_000,
      "substrate",
    );
    await waitFor(() => /relay listening on 127\.0\.0\.1:\d+\n/.test(rel.out.stdout), 20_000, "relay");
    const url = sub.out.stdout.trim().split(" ").pop()!;
    const client = new SubstrateClient({
      baseUrl: url,
      credentials: { username: "s1", password: "pw-s1-abcdef" },
      autoRegister: true,
    });
    await client.login();
    expect(client.username).toBe("s1");
    const port = Number(rel.out.stdout.trim().split(":").pop());
    await new Promise<void>((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve();
      });
      s.on("error", reject);
    });
    sub.child.kill("SIGTERM");
    rel.child.kill("SIGTERM");
    expect((await sub.done).code).toBe(0);
    expect((await rel.done).code).toBe(0);
  }, 60_000);
});

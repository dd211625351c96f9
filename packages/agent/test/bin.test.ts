/**
 * The `hsagent-agent` bin as a user runs it: flag and environment errors (exit 2, one line, no
 * secrets), and a real run at debug level whose stdout/stderr never contain the password, the
 * vault passphrase, the JWT or the agent's private keys.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SubstrateIdentityRegistry } from "@hsagent/stores";
import { SubstrateClient } from "@hsagent/substrate-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./helpers.js";
import { BIN, Proc, spawnRelay, spawnSubstrate } from "./procs.js";

describe("hsagent-agent bin", () => {
  it("refuses to start without a vault passphrase (exit 2, says which variable)", async () => {
    const p = new Proc(
      BIN.agent,
      ["--name", "x", "--relay", "127.0.0.1:1", "--substrate", "http://127.0.0.1:1"],
      {
        HSAGENT_USERNAME: "u",
        HSAGENT_PASSWORD: "secret-password-xyz",
        HSAGENT_VAULT_PASSPHRASE: "",
      },
    );
    expect(await p.exited).toBe(2);
    expect(p.stderr).toContain("HSAGENT_VAULT_PASSPHRASE");
    expect(p.stderr).not.toContain("secret-password-xyz");
  });

  it("rejects unknown flags and a bad --relay (exit 2)", async () => {
    const env = { HSAGENT_VAULT_PASSPHRASE: "v", HSAGENT_USERNAME: "u", HSAGENT_PASSWORD: "p" };
    const a = new Proc(BIN.agent, ["--name", "x", "--password", "p"], env);
    expect(await a.exited).toBe(2);
    const b = new Proc(BIN.agent, ["--name", "x", "--relay", "nohostport", "--substrate", "http://x"], env);
    expect(await b.exited).toBe(2);
    expect(b.stderr).toContain("--relay");
  });

  describe("a real run", () => {
    const dir = mkdtempSync(join(tmpdir(), "hsagent-bin-"));
    let substrate: { proc: Proc; url: string };
    let relay: { proc: Proc; address: string };
    beforeAll(async () => {
      substrate = await spawnSubstrate(`sqlite:${join(dir, "s.db")}`);
      relay = await spawnRelay();
    });
    afterAll(async () => {
      await substrate?.proc.stop();
      await relay?.proc.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("completes --sessions 2 with a peer, exits 0 by itself, and never prints a secret", async () => {
      const account = { username: "binuser", password: "bin-password-VERY-secret" };
      const run = (name: string) =>
        new Proc(
          BIN.agent,
          [
            "--name",
            name,
            "--relay",
            relay.address,
            "--substrate",
            substrate.url,
            "--register-interval-ms",
            "200",
            "--sessions",
            "2",
            "--log-level",
            "debug",
            "--log-format",
            name === "b1" ? "pretty" : "json",
          ],
          {
            HSAGENT_USERNAME: account.username,
            HSAGENT_PASSWORD: account.password,
            HSAGENT_VAULT_PASSPHRASE: `vault-pp-${name}-SECRET`,
          },
        );
      const procs = [run("b1"), run("b2")];
      const codes = await Promise.all(procs.map((p) => p.exited));
      expect(codes).toEqual([0, 0]);
      for (const p of procs) {
        const events = p.json().map((l) => l.event);
        expect(events.filter((e) => e === "closed").length).toBeGreaterThanOrEqual(2);
        expect(events[events.length - 1]).toBe("stopped");
      }
      // Collect every secret there is and look for each in all output.
      const client = new SubstrateClient({ baseUrl: substrate.url, credentials: account });
      await client.login();
      const registry = new SubstrateIdentityRegistry(client);
      const secrets = [account.password, "vault-pp-b1-SECRET", "vault-pp-b2-SECRET"];
      for (const name of ["b1", "b2"]) {
        const me = await registry.hydrate(name, `vault-pp-${name}-SECRET`);
        secrets.push(me!.keys.sign_priv_b64, me!.keys.kx_priv_b64);
      }
      await waitFor(() => procs.every((p) => p.child.stdout!.readableEnded), 5000, "output closed");
      const output = procs.map((p) => `${p.lines.join("\n")}\n${p.stderr}`).join("\n");
      expect(output.length).toBeGreaterThan(1000);
      for (const s of secrets) expect(output.includes(s), "a secret appeared in the output").toBe(false);
      expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/); // no JWT
    }, 60_000);
  });
});

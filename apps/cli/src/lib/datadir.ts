// The data directory of `hsagent up` (default ./.hsagent): the SQLite substrate, a 0600
// `secrets.json` holding the generated account and vault passphrase, and `up.json` saying where
// a running `up` serves. Other commands (`inspect-session --data-dir`) reuse it without setup.

import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { registerSecret } from "@hsagent/config";
import { CliError } from "./errors.js";

/** The generated secrets of a data directory. */
export interface DataDirSecrets {
  readonly username: string;
  readonly password: string;
  readonly vaultPassphrase: string;
}

/** Where a running `hsagent up` serves. */
export interface UpState {
  readonly pid: number;
  readonly substrateUrl: string;
  /** The embedded relay, or (`up --nats`) the NATS servers used instead. */
  readonly relay?: { readonly host: string; readonly port: number };
  readonly nats?: string;
}

const SECRETS = "secrets.json";
const STATE = "up.json";

/** Absolute data dir, created with mode 0700 if missing. */
export function ensureDataDir(dir: string): string {
  const abs = resolve(dir);
  try {
    mkdirSync(abs, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new CliError(
      `cannot create the data directory ${abs} (${(err as NodeJS.ErrnoException).code})`,
      "DATA_DIR",
    );
  }
  return abs;
}

function parseSecrets(text: string, file: string): DataDirSecrets {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not valid JSON; delete it to start over with a new account`, "DATA_DIR");
  }
  const o = v as Partial<Record<keyof DataDirSecrets, unknown>>;
  if (
    typeof o.username !== "string" ||
    typeof o.password !== "string" ||
    typeof o.vaultPassphrase !== "string"
  ) {
    throw new CliError(
      `${file} lacks username, password or vaultPassphrase; delete it to start over`,
      "DATA_DIR",
    );
  }
  registerSecret(o.password);
  registerSecret(o.vaultPassphrase);
  return { username: o.username, password: o.password, vaultPassphrase: o.vaultPassphrase };
}

/** Read the secrets of `dir`; null if there are none yet. Tightens a too-open mode to 0600. */
export function readSecrets(dir: string): DataDirSecrets | null {
  const file = join(dir, SECRETS);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code})`, "DATA_DIR");
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return parseSecrets(text, file);
}

/** The secrets of `dir`, generated (and stored 0600) on first use. */
export function loadOrCreateSecrets(dir: string): DataDirSecrets & { readonly created: boolean } {
  const existing = readSecrets(dir);
  if (existing) return { ...existing, created: false };
  const secrets: DataDirSecrets = {
    username: `hsagent-${randomBytes(4).toString("hex")}`,
    password: randomBytes(24).toString("base64url"),
    vaultPassphrase: randomBytes(24).toString("base64url"),
  };
  registerSecret(secrets.password);
  registerSecret(secrets.vaultPassphrase);
  const file = join(dir, SECRETS);
  try {
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      const raced = readSecrets(dir);
      if (raced) return { ...raced, created: false };
    }
    throw new CliError(`cannot write ${file} (${(err as NodeJS.ErrnoException).code})`, "DATA_DIR");
  }
  return { ...secrets, created: true };
}

/** Record where this `up` serves (removed by {@link clearUpState}). */
export function writeUpState(dir: string, state: UpState): void {
  const file = join(dir, STATE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Remove `up.json` if it is ours. */
export function clearUpState(dir: string): void {
  const state = readUpState(dir);
  if (state && state.pid === process.pid) {
    try {
      unlinkSync(join(dir, STATE));
    } catch {
      // already gone
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The state of a live `up` in `dir`, or null. */
export function readUpState(dir: string): UpState | null {
  try {
    const v = JSON.parse(readFileSync(join(dir, STATE), "utf8")) as UpState;
    if (typeof v.pid !== "number" || typeof v.substrateUrl !== "string") return null;
    return alive(v.pid) ? v : null;
  } catch {
    return null;
  }
}

/** A substrate for a data dir: the running `up`'s, or the SQLite file opened in-process. */
export async function openDataDirSubstrate(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const live = readUpState(dir);
  if (live) return { url: live.substrateUrl, close: async () => {} };
  const db = join(dir, "substrate.db");
  try {
    statSync(db);
  } catch {
    throw new CliError(`${dir} holds no substrate database; run \`hsagent up\` first`, "DATA_DIR");
  }
  const { startSubstrateServer } = await import("@hsagent/substrate-server");
  const server = await startSubstrateServer({
    host: "127.0.0.1",
    port: 0,
    db: `sqlite:${db}`,
    logger: false,
  });
  return { url: server.url, close: () => server.close() };
}

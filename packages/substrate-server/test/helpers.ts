// Test harness: start real servers on both backends (SQLite in memory, PostgreSQL in a random
// schema dropped afterwards) and a tiny fetch-based HTTP client.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type RunningSubstrateServer,
  type SubstrateServerOptions,
  startSubstrateServer,
} from "../src/index.js";
import {
  dropSchema as sharedDropSchema,
  randomSchema as sharedRandomSchema,
  testPgUrl,
} from "../src/testing.js";

/** PostgreSQL URL for tests, or undefined (then PG tests skip — except in CI, where they fail). */
export const PG_URL: string | undefined = testPgUrl() ?? undefined;

/** Cheap scrypt cost so registering many accounts in tests stays fast. */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

/** A backend the contract suite runs against. */
export interface Backend {
  name: "sqlite" | "postgres";
  /** Start a server on a fresh database. */
  start(opts?: Partial<SubstrateServerOptions>): Promise<TestServer>;
}

/** A running server plus cleanup. */
export interface TestServer extends RunningSubstrateServer {
  /** Close the server and drop its database/schema. */
  stop(): Promise<void>;
  /** PG schema name, if any. */
  pgSchema?: string;
}

/** Random schema name for test isolation. */
export const randomSchema = (): string => sharedRandomSchema("t_substrate");

/** Drop a test schema. */
export const dropSchema = (schema: string): Promise<void> => sharedDropSchema(PG_URL as string, schema);

const base: Partial<SubstrateServerOptions> = { scrypt: TEST_SCRYPT, rateLimit: false, logger: false };

/** SQLite (in memory) and, when configured, PostgreSQL. */
export const BACKENDS: Backend[] = [
  {
    name: "sqlite",
    async start(opts = {}) {
      const s = await startSubstrateServer({ ...base, db: "sqlite::memory:", ...opts });
      return { ...s, stop: () => s.close() };
    },
  },
  ...(PG_URL
    ? [
        {
          name: "postgres" as const,
          async start(opts: Partial<SubstrateServerOptions> = {}) {
            const schema = randomSchema();
            const s = await startSubstrateServer({
              ...base,
              db: PG_URL as string,
              pgSchema: schema,
              pgPoolSize: 8,
              ...opts,
            });
            return {
              ...s,
              pgSchema: schema,
              stop: async () => {
                await s.close();
                await dropSchema(schema);
              },
            };
          },
        },
      ]
    : []),
];

/** A parsed HTTP answer. */
export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON answers.
  body: any;
  text: string;
}

/** Minimal client: JSON by default, raw bodies with `raw`. */
export class Client {
  constructor(
    readonly url: string,
    public token?: string,
  ) {}

  async req(
    method: string,
    path: string,
    body?: unknown,
    opts: { raw?: boolean; contentType?: string; token?: string | null } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    const token = opts.token === null ? undefined : (opts.token ?? this.token);
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | Uint8Array | undefined;
    if (body !== undefined) {
      if (opts.raw) {
        payload = body as string | Uint8Array;
        headers["content-type"] = opts.contentType ?? "application/octet-stream";
      } else {
        payload = JSON.stringify(body);
        headers["content-type"] = opts.contentType ?? "application/json";
      }
    }
    const r = await fetch(this.url + path, { method, headers, body: payload });
    const text = await r.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: r.status, headers: r.headers, body: parsed, text };
  }

  get(path: string, opts?: { token?: string | null }) {
    return this.req("GET", path, undefined, opts);
  }
  del(path: string, opts?: { token?: string | null }) {
    return this.req("DELETE", path, undefined, opts);
  }
  put(path: string, body: unknown, opts?: { token?: string | null }) {
    return this.req("PUT", path, body, opts);
  }
  post(path: string, body: unknown, opts?: { raw?: boolean; contentType?: string; token?: string | null }) {
    return this.req("POST", path, body, opts);
  }
}

/** A registered user with a logged-in client. */
export interface User {
  username: string;
  password: string;
  id: string;
  client: Client;
}

let counter = 0;

/** Register a fresh user and fetch its account id. */
export async function newUser(url: string, prefix = "user"): Promise<User> {
  const username = `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(2).toString("hex")}`;
  const password = `pw-${randomBytes(8).toString("hex")}`;
  const c = new Client(url);
  const r = await c.post("/api/auth/register", { username, password });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${r.text}`);
  c.token = r.body.jwt;
  const me = await c.get("/api/account/me");
  return { username, password, id: me.body.account.id, client: c };
}

/**
 * Start a server on `backend` and register one user per prefix, for a suite's `beforeAll`:
 * `[server, alice, bob] = await startWithUsers(backend, "alice", "bob")`.
 */
export async function startWithUsers<P extends string[]>(
  backend: Backend,
  ...prefixes: P
): Promise<[TestServer, ...{ [K in keyof P]: User }]> {
  const server = await backend.start();
  const users: User[] = [];
  for (const prefix of prefixes) users.push(await newUser(server.url, prefix));
  return [server, ...users] as [TestServer, ...{ [K in keyof P]: User }];
}

/** base64 of a UTF-8 string or bytes. */
export const b64 = (v: string | Uint8Array): string => Buffer.from(v).toString("base64");

/** This package's directory. */
export const PKG = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The built `hsagent-substrate` bin. */
export const BIN = join(PKG, "dist", "bin", "hsagent-substrate.js");

/**
 * Build the package when its bin is missing (the root `pnpm test` builds first; a bare vitest run
 * of a bin test builds here). For a `beforeAll` with a long timeout.
 */
export function buildBinIfMissing(): void {
  if (!existsSync(BIN))
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: PKG, stdio: "ignore" });
}

/** A running bin: its process, output so far, exit code and the URL it prints once listening. */
export interface Bin {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Rejects if the process exits before printing its listening line. */
  ready: Promise<string>;
}

/** Spawn the bin in `cwd` (no JWT secret in its environment unless `env` gives one). */
export function spawnBin(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Bin {
  const childEnv = { ...process.env, ...env };
  if (env.HSAGENT_SUBSTRATE_JWT_SECRET === undefined) delete childEnv.HSAGENT_SUBSTRATE_JWT_SECRET;
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^substrate listening on (https?:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1] as string);
    });
    exited.then((code) => reject(new Error(`bin exited early (${code}): ${err}`)));
  });
  // Tests that expect an early exit never await `ready`; keep that from being an unhandled rejection.
  ready.catch(() => undefined);
  return { child, stdout: () => out, stderr: () => err, exited, ready };
}

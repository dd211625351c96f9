// The state shared by the checks of one run: the temporary accounts (random
// username and password, as HSAgent_2 provisions them), a ledger of every
// object, association and chain the run created (so the final sweep removes
// whatever a failed check left behind), and the secrets to keep out of errors.

import { randomBytes, randomInt } from "node:crypto";
import { type Backend, nativeBackend, nobleBackend } from "@hsagent/crypto";
import { SubstrateClient } from "@hsagent/substrate-client";
import { NotRunError } from "./errors.js";
import type { Redactor } from "./redact.js";

/** A resource the run created, to delete at the end if a check did not. */
type Entry =
  | { readonly kind: "object"; readonly type: number; readonly id: string }
  | {
      readonly kind: "association";
      readonly type: string;
      readonly sourceId: string;
      readonly targetId: string;
    }
  | { readonly kind: "chain"; readonly name: string; readonly shard: number };

function keyOf(e: Entry): string {
  if (e.kind === "object") return `o|${e.type}|${e.id}`;
  if (e.kind === "association") return `a|${e.type}|${e.sourceId}|${e.targetId}`;
  return `c|${e.name}|${e.shard}`;
}

/** What one account created; checks add entries as they create and drop them once deleted. */
export class Ledger {
  readonly #entries = new Map<string, Entry>();

  /** Records a created object. */
  object(type: number, id: string): void {
    this.#add({ kind: "object", type, id });
  }
  /** Records a created association. */
  association(type: string, sourceId: string, targetId: string): void {
    this.#add({ kind: "association", type, sourceId, targetId });
  }
  /** Records a chain written to. */
  chain(name: string, shard: number): void {
    this.#add({ kind: "chain", name, shard });
  }
  /** Forgets an object (it was deleted). */
  objectGone(type: number, id: string): void {
    this.#entries.delete(keyOf({ kind: "object", type, id }));
  }
  /** Forgets an association (it was deleted). */
  associationGone(type: string, sourceId: string, targetId: string): void {
    this.#entries.delete(keyOf({ kind: "association", type, sourceId, targetId }));
  }
  /** Forgets a chain (it was deleted). */
  chainGone(name: string, shard: number): void {
    this.#entries.delete(keyOf({ kind: "chain", name, shard }));
  }
  /** Deletes an object now, quietly (a failure leaves it to the final sweep). */
  async dropObject(client: SubstrateClient, type: number, id: string): Promise<void> {
    try {
      await client.deleteObject(type, id);
      this.objectGone(type, id);
    } catch {
      // left for sweep()
    }
  }
  /** Deletes an association now, quietly. */
  async dropAssociation(
    client: SubstrateClient,
    type: string,
    sourceId: string,
    targetId: string,
  ): Promise<void> {
    try {
      await client.deleteAssociation(type, sourceId, targetId);
      this.associationGone(type, sourceId, targetId);
    } catch {
      // left for sweep()
    }
  }
  /** Deletes a chain now, quietly. */
  async dropChain(client: SubstrateClient, name: string, shard: number): Promise<void> {
    try {
      await client.deleteChain(name, shard);
      this.chainGone(name, shard);
    } catch {
      // left for sweep()
    }
  }
  /** How many resources are still recorded. */
  get size(): number {
    return this.#entries.size;
  }

  /** Deletes everything still recorded (associations, then objects, then chains); returns failures. */
  async sweep(client: SubstrateClient): Promise<number> {
    const entries = [...this.#entries.values()];
    const order = { association: 0, object: 1, chain: 2 } as const;
    entries.sort((a, b) => order[a.kind] - order[b.kind]);
    let failures = 0;
    for (const e of entries) {
      try {
        if (e.kind === "association") await client.deleteAssociation(e.type, e.sourceId, e.targetId);
        else if (e.kind === "object") await client.deleteObject(e.type, e.id);
        else await client.deleteChain(e.name, e.shard);
        this.#entries.delete(keyOf(e));
      } catch {
        failures++;
      }
    }
    return failures;
  }

  #add(e: Entry): void {
    this.#entries.set(keyOf(e), e);
  }
}

/** A temporary account of the run and a logged-in client on it. */
export interface TempAccount {
  readonly username: string;
  /** Secret: never printed (registered with the redactor). */
  readonly password: string;
  readonly client: SubstrateClient;
  readonly ledger: Ledger;
}

/** Shared state of one run. */
export class RunContext {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Extra CA certificates (PEM) to trust for an https:// substrate. */
  readonly ca: string | undefined;
  readonly redactor: Redactor;
  readonly backends: { readonly native: Backend; readonly noble: Backend };
  /** Random hex naming this run's associations and chains. */
  readonly runId = randomBytes(6).toString("hex");
  /** The main temporary account, set by the `login` check. */
  primary: TempAccount | null = null;
  /** The second account of the `tenant-isolation` check. */
  secondary: TempAccount | null = null;

  constructor(options: {
    baseUrl: string;
    timeoutMs: number;
    redactor: Redactor;
    backends?: { native?: Backend; noble?: Backend };
    ca?: string | undefined;
  }) {
    this.baseUrl = options.baseUrl;
    this.ca = options.ca;
    this.timeoutMs = options.timeoutMs;
    this.redactor = options.redactor;
    this.backends = {
      native: options.backends?.native ?? nativeBackend,
      noble: options.backends?.noble ?? nobleBackend,
    };
  }

  /** A new (not yet logged-in) client; `credentials` are remembered for re-login. */
  newClient(credentials?: { username: string; password: string }): SubstrateClient {
    return new SubstrateClient({
      baseUrl: this.baseUrl,
      timeoutMs: this.timeoutMs,
      retry: { limit: 2 },
      ...(this.ca ? { ca: this.ca } : {}),
      ...(credentials ? { credentials } : {}),
    });
  }

  /** Random credentials for a temporary account; the password is registered as a secret. */
  newCredentials(): { username: string; password: string } {
    const username = `selftest-${randomBytes(8).toString("hex")}`;
    const password = randomBytes(24).toString("base64url");
    this.redactor.add(password);
    return { username, password };
  }

  /** Registers a fresh temporary account and returns it logged in. */
  async createAccount(): Promise<TempAccount> {
    const creds = this.newCredentials();
    const client = this.newClient(creds);
    await client.register(creds.username, creds.password);
    return { ...creds, client, ledger: new Ledger() };
  }

  /** The primary account, or a failure saying the login check did not provide one. */
  requirePrimary(): TempAccount {
    if (!this.primary) throw new NotRunError("not run: no temporary account (the login check failed)");
    return this.primary;
  }

  /** A fresh client logged in to `account` (what a restarted process would have). */
  async relogin(account: TempAccount): Promise<SubstrateClient> {
    const client = this.newClient({ username: account.username, password: account.password });
    await client.login();
    return client;
  }

  /** A random decimal id (sources of associations that need not be objects). */
  randomId(): string {
    return String(randomInt(100_000_000_000, 2 ** 47));
  }
}

// The deliberately broken substrates the tests run the selftest against, each
// a Fault for the proxy in proxy.ts, plus broken crypto backends. Each comment
// says what real-world bug the fault stands for.

import { randomUUID } from "node:crypto";
import { type Backend, nativeBackend, nobleBackend } from "@hsagent/crypto";
import { RESERVED_USERNAMES } from "@hsagent/substrate-server";
import { type Fault, json, parseBody } from "./proxy.js";

const pathOf = (url: string): string => url.split("?")[0] ?? url;

/** Lost optimistic concurrency: a 409 on object PUT becomes 201, as if the stale write had landed. */
export const ignoreVersions: Fault = async (req, forward) => {
  const res = await forward(req);
  if (req.method === "PUT" && /^\/api\/objects\/[0-9]+$/.test(pathOf(req.url)) && res.status === 409) {
    const body = parseBody(req.body) as { id?: string } | undefined;
    return json(201, { success: true, id: body?.id ?? "0" });
  }
  return res;
};

/** Which tenant a path addresses: `o:<account id>` for objects, `c:<username>` for chains. */
function tenantOf(path: string): string | null {
  const seg = path.split("/").slice(1);
  if (seg[0] !== "api") return null;
  if (seg[1] === "objects") {
    const t = seg[2] === "stats" ? seg[3] : seg[2];
    return t ? `o:${t}` : null;
  }
  if (seg[1] === "chains") {
    // The server reserves its static chain-route words as usernames: a word here is not a tenant.
    const t = RESERVED_USERNAMES.has(seg[2] ?? "") ? seg[3] : seg[2];
    return t ? `c:${decodeURIComponent(t)}` : null;
  }
  return null;
}

/**
 * Broken tenant isolation: the proxy remembers which token successfully used
 * which tenant, and when a caller is refused another tenant's path (403 on
 * objects, 404 on chains) it replays the request with the owner's token — the
 * caller gets the owner's data, as from a server that never checks the tenant.
 */
export function leakTenants(scope: "objects" | "chains" | "both" = "both"): Fault {
  const owners = new Map<string, string>();
  return async (req, forward) => {
    const tenant = tenantOf(pathOf(req.url));
    const auth = req.headers.authorization;
    const res = await forward(req);
    if (!tenant || !auth) return res;
    if (res.status >= 200 && res.status < 300) {
      if (!owners.has(tenant)) owners.set(tenant, auth);
      return res;
    }
    const isObjects = tenant.startsWith("o:");
    if (scope !== "both" && (scope === "objects") !== isObjects) return res;
    const refused = isObjects ? res.status === 403 : res.status === 404;
    const owner = owners.get(tenant);
    if (refused && owner && owner !== auth)
      return forward({ ...req, headers: { ...req.headers, authorization: owner } });
    return res;
  };
}

/** Lost chain writes: every second append to each chain answers 201 but is never stored. */
export function loseEveryOtherAppend(): Fault {
  const appends = new Map<string, number>();
  return async (req, forward) => {
    const path = pathOf(req.url);
    if (req.method === "POST" && path.startsWith("/api/chains/append/")) {
      const n = (appends.get(path) ?? 0) + 1;
      appends.set(path, n);
      if (n % 2 === 0) return json(201, { success: true, blockIdx: String(n - 1), eventId: randomUUID() });
    }
    return forward(req);
  };
}

/**
 * Hosted semantics, exploited: another tenant ("mallory") appended a block to the agent's audit
 * chain; it shows up in the chain's recent blocks (its payload is not an audit batch).
 */
export const foreignAuditBlock: Fault = async (req, forward) => {
  const res = await forward(req);
  if (req.method === "GET" && /^\/api\/chains\/recent\/[^/]+\/hsagent-audit-/.test(pathOf(req.url))) {
    const body = parseBody(res.body) as { blocks?: Array<Record<string, unknown>> } | undefined;
    const last = body?.blocks?.[body.blocks.length - 1];
    if (body?.blocks && last) {
      const forged = {
        ...last,
        blockIdx: String(BigInt(String(last.blockIdx)) + 1n),
        payloads_b64: [Buffer.from("not an audit batch").toString("base64")],
        system: { eventId: randomUUID(), timestamp: String(Date.now()), sourceAgent: "mallory" },
      };
      return json(200, { ...body, blocks: [...body.blocks, forged], count: body.blocks.length + 1 });
    }
  }
  return res;
};

/** Broken index order: association lists come back ascending instead of descending. */
export const reverseAssociationOrder: Fault = async (req, forward) => {
  const res = await forward(req);
  if (
    req.method === "GET" &&
    /^\/api\/objects\/[0-9]+\/associations\//.test(pathOf(req.url)) &&
    res.status === 200
  ) {
    const body = parseBody(res.body) as { associations?: unknown[] } | undefined;
    if (body && Array.isArray(body.associations)) {
      return json(200, { ...body, associations: [...body.associations].reverse() });
    }
  }
  return res;
};

/** Non-durable nonces: `nonce_seen-*` association writes are acknowledged but never stored. */
export const forgetNonces: Fault = async (req, forward) => {
  if (req.method === "PUT" && /^\/api\/objects\/[0-9]+\/associations$/.test(pathOf(req.url))) {
    const body = parseBody(req.body) as { type?: unknown } | undefined;
    if (typeof body?.type === "string" && body.type.startsWith("nonce_seen-"))
      return json(201, { success: true });
  }
  return forward(req);
};

/** Broken authentication: a refused password login gets the last token issued to that username. */
export function acceptAnyPassword(): Fault {
  const tokens = new Map<string, string>();
  return async (req, forward) => {
    const path = pathOf(req.url);
    const res = await forward(req);
    if (req.method === "POST" && (path === "/api/auth/login" || path === "/api/auth/register")) {
      const username = (parseBody(req.body) as { username?: unknown } | undefined)?.username;
      if (typeof username !== "string") return res;
      const jwt = (parseBody(res.body) as { jwt?: unknown } | undefined)?.jwt;
      if (res.status < 300 && typeof jwt === "string") tokens.set(username, jwt);
      const stolen = tokens.get(username);
      if (path === "/api/auth/login" && res.status === 401 && stolen) return json(200, { jwt: stolen });
    }
    return res;
  };
}

/**
 * Lost deletes: an object DELETE is checked like a read (auth, tenant,
 * existence) and acknowledged with success, but nothing is deleted.
 */
export const loseObjectDeletes: Fault = async (req, forward) => {
  if (req.method === "DELETE" && /^\/api\/objects\/[0-9]+\/[0-9]+\/[0-9]+$/.test(pathOf(req.url))) {
    const read = await forward({ ...req, method: "GET" });
    return read.status === 200 ? json(200, { success: true }) : read;
  }
  return forward(req);
};

/**
 * Off-by-comparison concurrency bug (`>=` instead of `==`): a PUT carrying a
 * version AHEAD of the stored one is accepted; stale versions still get 409.
 */
export const acceptFutureVersions: Fault = async (req, forward) => {
  const res = await forward(req);
  const path = pathOf(req.url);
  if (req.method === "PUT" && /^\/api\/objects\/[0-9]+$/.test(path) && res.status === 409) {
    const body = parseBody(req.body) as { type?: number; id?: string; version?: number } | undefined;
    if (body?.id && typeof body.version === "number") {
      const read = await forward({
        ...req,
        method: "GET",
        url: `${path}/${body.type}/${body.id}`,
        body: Buffer.alloc(0),
      });
      const stored = (parseBody(read.body) as { version?: number } | undefined)?.version;
      if (typeof stored === "number" && body.version > stored)
        return json(201, { success: true, id: body.id });
    }
  }
  return res;
};

/** Object data kept as text: bytes that are not valid UTF-8 come back mangled (U+FFFD). */
export const textObjectData: Fault = async (req, forward) => {
  const res = await forward(req);
  if (
    req.method === "GET" &&
    /^\/api\/objects\/[0-9]+\/[0-9]+\/[0-9]+$/.test(pathOf(req.url)) &&
    res.status === 200
  ) {
    const body = parseBody(res.body) as { data_b64?: string } | undefined;
    if (body && typeof body.data_b64 === "string") {
      const text = Buffer.from(body.data_b64, "base64").toString("utf8");
      return json(200, { ...body, data_b64: Buffer.from(text, "utf8").toString("base64") });
    }
  }
  return res;
};

/**
 * A lost index write: `has_handshake_with` associations are acknowledged but not stored, whether
 * sent alone or as items of a batch (the other items of the batch are written).
 */
export const dropSessionIndex: Fault = async (req, forward) => {
  const path = pathOf(req.url);
  if (req.method === "PUT" && /^\/api\/objects\/[0-9]+\/associations$/.test(path)) {
    const body = parseBody(req.body) as { type?: unknown } | undefined;
    if (body?.type === "has_handshake_with") return json(201, { success: true });
  }
  if (req.method === "POST" && path.startsWith("/api/batch/")) {
    const body = parseBody(req.body) as { items?: Record<string, unknown>[] } | undefined;
    const items = Array.isArray(body?.items) ? body.items : [];
    const dropped = items.map((i) => i.op === "putAssociation" && i.type === "has_handshake_with");
    if (dropped.some(Boolean)) {
      // Kept items move up: `$k` references follow them.
      const newIndex: number[] = [];
      let n = 0;
      for (const d of dropped) newIndex.push(d ? -1 : n++);
      const ref = (v: unknown) =>
        typeof v === "string" && /^\$[0-9]+$/.test(v) ? `$${newIndex[Number(v.slice(1))]}` : v;
      const kept = items
        .filter((_, k) => !dropped[k])
        .map((i) => ({
          ...i,
          ...("id" in i ? { id: ref(i.id) } : {}),
          sourceId: ref(i.sourceId),
          targetId: ref(i.targetId),
        }));
      if (kept.length === 0) return json(200, { success: true, results: items.map(() => ({})) });
      const res = await forward({ ...req, body: Buffer.from(JSON.stringify({ items: kept })) });
      const answer = parseBody(res.body) as { results?: unknown[] } | undefined;
      if (res.status !== 200 || !Array.isArray(answer?.results)) return res;
      const results = answer.results;
      return json(200, { success: true, results: dropped.map((d, k) => (d ? {} : results[newIndex[k]!])) });
    }
  }
  return forward(req);
};

/** Lost chain deletes: a chain DELETE of one's own chain answers success but the chain stays. */
export const loseChainDeletes: Fault = async (req, forward) => {
  const path = pathOf(req.url);
  if (req.method === "DELETE" && path.startsWith("/api/chains/")) {
    const read = await forward({
      ...req,
      method: "GET",
      url: path.replace("/api/chains/", "/api/chains/metadata/"),
    });
    return read.status === 200 ? json(200, { success: true, deletedChain: {} }) : read;
  }
  return forward(req);
};

/** A server that echoes the request body (the password, on register) back in its error text. */
export function echoRegisterBody(seen: string[]): Fault {
  return async (req, forward) => {
    if (req.method === "POST" && pathOf(req.url) === "/api/auth/register") {
      const text = req.body.toString("utf8");
      const password = (parseBody(req.body) as { password?: unknown } | undefined)?.password;
      if (typeof password === "string") seen.push(password);
      return json(400, { error: `bad request: ${text}` });
    }
    return forward(req);
  };
}

/** A hung endpoint: listing associations of type `selftest-assoc-*` never answers. */
export const hangAssociationLists: Fault = (req, forward) => {
  if (req.method === "GET" && /\/associations\/selftest-assoc-/.test(pathOf(req.url))) {
    return new Promise(() => {});
  }
  return forward(req);
};

/** `key` whose `method` answers with byte `at` XORed by `mask`; everything else is the key's own. */
function corrupted<T extends object>(key: T, method: keyof T, at: number, mask: number): T {
  return new Proxy(key, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop !== method) return value.bind(target);
      return (...args: unknown[]) => {
        const out = value.apply(target, args) as Uint8Array;
        out[at] = (out[at] ?? 0) ^ mask;
        return out;
      };
    },
  });
}

/** Native backend whose Ed25519 signatures have one bit flipped. */
export const nativeBadSignatures: Backend = {
  ...nativeBackend,
  generateSigningKey: () => corrupted(nativeBackend.generateSigningKey(), "sign", 10, 0x01),
};

/** noble backend whose X25519 agreement returns garbage. */
export const nobleBadAgreement: Backend = {
  ...nobleBackend,
  generateKxKeyPair: () => corrupted(nobleBackend.generateKxKeyPair(), "deriveSharedSecret", 0, 0xff),
};

/** Native backend whose scrypt ignores the password (every passphrase opens every vault). */
export const nativePasswordBlindScrypt: Backend = {
  ...nativeBackend,
  scrypt(_password, salt, params) {
    return nativeBackend.scrypt(new Uint8Array([1, 2, 3]), salt, params);
  },
};

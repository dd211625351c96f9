// Property/fuzz test (fast-check): thousands of random and hostile requests — bad JSON, wrong
// types, huge strings, invalid base64, negative or non-numeric ids, SQL metacharacters in every
// string field, over-limit bodies, bad tokens, random routes. Every answer must be a 4xx JSON
// error without internals (never 500, never a hang), and the server must keep serving afterwards.

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESERVED_USERNAMES } from "../src/index.js";
import { BACKENDS, b64, Client, newUser, startWithUsers, type TestServer, type User } from "./helpers.js";

const RUNS = Number(process.env.SUBSTRATE_FUZZ_RUNS ?? 5000);
const BATCH = 8;

const NAME = /^[A-Za-z0-9_.~-]{1,255}$/;
const ID = /^[0-9]{1,19}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const SQL_AND_FRIENDS = [
  "' OR '1'='1",
  "'; DROP TABLE objects; --",
  '"; DELETE FROM accounts; --',
  "1; SELECT pg_sleep(10)",
  "1 UNION SELECT * FROM accounts",
  "%",
  "_",
  "\\",
  "\u0000",
  "../../etc/passwd",
  "$" + "{jndi:ldap://x}",
  "<script>alert(1)</script>",
  "NaN",
  "Infinity",
  "-0",
  "1e9999",
  "0x10",
  " 1",
  "1 ",
  "-1",
  "99999999999999999999999",
  "9223372036854775808",
  "",
  "💥",
  "__proto__",
  "constructor",
];

/** Random and hostile strings. */
const hostile = fc.oneof(
  { arbitrary: fc.constantFrom(...SQL_AND_FRIENDS), weight: 4 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ minLength: 256, maxLength: 5000 }), weight: 1 },
  { arbitrary: fc.constantFrom(...SQL_AND_FRIENDS).map((s) => `valid${s}`), weight: 2 },
);
const badName = hostile.filter((s) => !NAME.test(s));
const badId = hostile.filter((s) => !ID.test(s));
const notJson = fc.string({ maxLength: 200 }).filter((s) => {
  try {
    JSON.parse(s);
    return false;
  } catch {
    return true;
  }
});
/** Values of the wrong JSON type (or out of range) for an integer field. */
const badInt = fc.oneof(
  badId,
  fc.double({ noInteger: true }),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  fc.integer({ max: -1 }),
  fc.constant(2 ** 60),
);
const badType = fc.oneof(badInt, fc.integer({ min: 1_000_000_001 }), fc.constant(0));
const badB64 = fc.oneof(
  hostile.filter((s) => !BASE64.test(s)),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 2 }),
);
/** Whether the server would accept `v` as a bigint field (signed, or non-negative for ids). */
function acceptableBigint(v: unknown, signed: boolean): boolean {
  let n: bigint;
  if (typeof v === "number" && Number.isSafeInteger(v)) n = BigInt(v);
  else if (typeof v === "string" && /^-?[0-9]{1,20}$/.test(v)) n = BigInt(v);
  else return false;
  return n <= 9223372036854775807n && n >= (signed ? -9223372036854775808n : 0n);
}

const badToken = fc.string({ minLength: 1, maxLength: 300 }).filter((s) => /^[\x21-\x7e]+$/.test(s));

/** Percent-encode, tolerating lone surrogates. */
function seg(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "x"));
  }
}

interface Req {
  method: string;
  path: string;
  body?: string | Uint8Array;
  contentType?: string;
  auth: "user" | "none" | string;
}

function buildArbitrary(u: () => User): fc.Arbitrary<Req> {
  const t = () => u().id;
  const json = (v: unknown) => JSON.stringify(v);
  const jsonRoutes = ["/api/auth/register", "/api/auth/login", "/api/agent/associate", "/api/agent/revoke"];
  return fc.oneof(
    // Bad JSON on every JSON route.
    fc.record({ route: fc.constantFrom(...jsonRoutes, "OBJ", "ASSOC"), body: notJson }).map(
      ({ route, body }): Req => ({
        method: route === "OBJ" || route === "ASSOC" ? "PUT" : "POST",
        path:
          route === "OBJ"
            ? `/api/objects/${t()}`
            : route === "ASSOC"
              ? `/api/objects/${t()}/associations`
              : route,
        body,
        contentType: "application/json",
        auth: "user",
      }),
    ),
    // Objects: wrong types, bad base64, bad ids.
    fc
      .record({
        type: badType,
        id: fc.option(fc.integer({ min: 1, max: 1000 })),
        data: fc.constant(b64("x")),
      })
      .map((b): Req => ({ method: "PUT", path: `/api/objects/${t()}`, body: json(b), auth: "user" })),
    fc
      .record({ type: fc.constant(7001), data: badB64 })
      .map((b): Req => ({ method: "PUT", path: `/api/objects/${t()}`, body: json(b), auth: "user" })),
    fc
      .record({ type: fc.constant(7001), id: badInt, version: fc.constant(0), data: fc.constant("") })
      // Compare what goes over the wire: NaN and Infinity serialize as null (= "create").
      .filter(({ id }) => {
        const wire: unknown = JSON.parse(JSON.stringify({ id })).id;
        return wire !== null && wire !== undefined && !acceptableBigint(wire, false);
      })
      .map((b): Req => ({ method: "PUT", path: `/api/objects/${t()}`, body: json(b), auth: "user" })),
    fc
      .record({
        method: fc.constantFrom("GET", "DELETE"),
        tenant: badId,
        type: badId,
        id: badId,
        which: fc.nat(2),
      })
      .map(({ method, tenant, type, id, which }): Req => {
        const parts = [which === 0 ? tenant : t(), which === 1 ? type : "7001", which === 2 ? id : "1"];
        return { method, path: `/api/objects/${parts.map(seg).join("/")}`, auth: "user" };
      }),
    // Associations: SQL metacharacters in names, bad ids, hostile query parameters, bad data.
    fc
      .record({
        type: badName,
        sourceId: fc.constant("1"),
        targetId: fc.constant("2"),
        time: fc.constant(1),
        position: fc.constant(1),
      })
      .map(
        (b): Req => ({
          method: "PUT",
          path: `/api/objects/${t()}/associations`,
          body: json(b),
          auth: "user",
        }),
      ),
    fc
      .record({
        field: fc.constantFrom("sourceId", "targetId", "time", "position", "data"),
        value: fc.oneof(badInt, badB64),
      })
      .filter(({ field, value }) =>
        field === "data"
          ? // NaN and ±Infinity serialize as null, and a null data is a valid (empty) one.
            JSON.stringify(value) !== "null" && (typeof value !== "string" || !BASE64.test(value))
          : value !== null && !acceptableBigint(value, field === "time" || field === "position"),
      )
      .map(({ field, value }): Req => {
        const b: Record<string, unknown> = { type: "ok", sourceId: "1", targetId: "2", time: 1, position: 1 };
        b[field] = value;
        return { method: "PUT", path: `/api/objects/${t()}/associations`, body: json(b), auth: "user" };
      }),
    fc
      .record({ key: fc.constantFrom("limit", "after", "targetId"), value: badId })
      .filter(({ key, value }) => !(key === "after" && /^-[0-9]{1,18}$/.test(value)) && value !== "")
      .map(
        ({ key, value }): Req => ({
          method: "GET",
          path: `/api/objects/${t()}/associations/ok/1?${key}=${seg(value)}`,
          auth: "user",
        }),
      ),
    fc.record({ type: badName, source: badId }).map(
      ({ type, source }): Req => ({
        method: "GET",
        path: `/api/objects/${t()}/associations/${seg(type)}/${seg(source)}`,
        auth: "user",
      }),
    ),
    // Chains: hostile names, shards, indices and bodies.
    fc
      .record({
        op: fc.constantFrom("append", "prepend"),
        chain: badName,
        shard: fc.oneof(fc.constant("0"), badId),
        body: fc.uint8Array({ maxLength: 64 }),
        ct: fc.constantFrom(
          "application/json",
          "text/plain",
          "application/octet-stream",
          "multipart/form-data",
        ),
      })
      .map(
        ({ op, chain, shard, body, ct }): Req => ({
          method: "POST",
          path: `/api/chains/${op}/${u().username}/${seg(chain)}/${seg(shard)}`,
          body,
          contentType: ct,
          auth: "user",
        }),
      ),
    fc
      .record({
        op: fc.constantFrom("append", "prepend"),
        ct: fc.constantFrom("application/json", "text/plain"),
      })
      .map(
        ({ op, ct }): Req => ({
          method: "POST",
          path: `/api/chains/${op}/${u().username}/empty/0`,
          body: "",
          contentType: ct,
          auth: "user",
        }),
      ),
    fc
      .record({
        kind: fc.constantFrom("first", "last", "metadata", "validate", "recent", "range"),
        chain: fc.oneof(badName, fc.constant("nochain")),
        shard: fc.oneof(fc.constant("0"), badId),
        q: fc.oneof(
          fc.constant(""),
          badId.map((v) => `?count=${seg(v)}&startIdx=${seg(v)}&order=${seg(v)}`),
        ),
      })
      .map(
        ({ kind, chain, shard, q }): Req => ({
          method: "GET",
          path: `/api/chains/${kind}/${u().username}/${seg(chain)}/${seg(shard)}${q}`,
          auth: "user",
        }),
      ),
    fc.record({ chain: badName, idx: badId }).map(
      ({ chain, idx }): Req => ({
        method: "GET",
        path: `/api/chains/${u().username}/${seg(chain)}/0/${seg(idx)}`,
        auth: "user",
      }),
    ),
    // Accounts and keys.
    fc
      .record({
        username: fc.oneof(badName, fc.constantFrom(...RESERVED_USERNAMES), badInt),
        password: hostile,
      })
      .filter(
        ({ username }) =>
          typeof username !== "string" || !NAME.test(username) || RESERVED_USERNAMES.has(username),
      )
      .map((b): Req => ({ method: "POST", path: "/api/auth/register", body: json(b), auth: "none" })),
    fc
      .record({ username: badName, password: hostile })
      .map((b): Req => ({ method: "POST", path: "/api/auth/login", body: json(b), auth: "none" })),
    fc
      .record({ key: hostile })
      .map((b): Req => ({ method: "POST", path: "/api/auth/login", body: json(b), auth: "none" })),
    fc
      .record({ route: fc.constantFrom("associate", "revoke"), secret: fc.oneof(hostile, badInt) })
      .filter(({ secret }) => !(typeof secret === "string" && /^(0x)?[0-9a-fA-F]{64}$/.test(secret)))
      .map(
        ({ route, secret }): Req => ({
          method: "POST",
          path: `/api/agent/${route}`,
          body: json({ secret }),
          auth: "user",
        }),
      ),
    badId.map(
      (account): Req => ({
        method: "POST",
        path: `/api/agent/check?account=${seg(account)}`,
        body: json({ secret: "ab".repeat(32) }),
        auth: "none",
      }),
    ),
    // Bad tokens on authenticated routes.
    fc
      .record({
        token: badToken,
        path: fc.constantFrom("/api/account/me", "/api/objects/1/7001/1", "/api/chains/stats/x"),
      })
      .map(({ token, path }): Req => ({ method: "GET", path, auth: token })),
    // Random methods and paths without credentials.
    fc
      .record({
        method: fc.constantFrom("GET", "PUT", "POST", "DELETE", "PATCH"),
        segs: fc.array(
          fc.oneof(hostile, fc.constantFrom("objects", "chains", "auth", "agent", "associations")),
          {
            maxLength: 6,
          },
        ),
      })
      .map(
        ({ method, segs }): Req => ({
          method,
          path: `/api/${segs.map(seg).join("/")}`,
          ...(method === "GET" || method === "DELETE"
            ? {}
            : { body: "{{not json", contentType: "application/json" }),
          auth: "none",
        }),
      ),
    // Over-limit bodies (rarer: they are big).
    fc.constantFrom("object", "assoc", "json").map((kind): Req => {
      if (kind === "object") {
        return {
          method: "PUT",
          path: `/api/objects/${t()}`,
          body: json({ type: 7001, data: Buffer.alloc(1024 * 1024 + 3).toString("base64") }),
          auth: "user",
        };
      }
      if (kind === "assoc") {
        return {
          method: "PUT",
          path: `/api/objects/${t()}/associations`,
          body: json({
            type: "x",
            sourceId: "1",
            targetId: "2",
            data: Buffer.alloc(128 * 1024 + 3).toString("base64"),
          }),
          auth: "user",
        };
      }
      return {
        method: "POST",
        path: "/api/auth/login",
        body: `{"username":"${"a".repeat(2_200_000)}"}`,
        auth: "none",
      };
    }),
  );
}

const LEAK =
  /select |insert |update |delete from|sqlite|postgres|syntax error|relation "|stack|node_modules|at .*\.(ts|js):/i;

describe.each(BACKENDS)("fuzz ($name)", (backend) => {
  let server: TestServer;
  let user: User;
  beforeAll(async () => {
    [server, user] = await startWithUsers(backend, "fuzz");
  });
  afterAll(async () => server?.stop());

  it(`answers ${RUNS} hostile requests with 4xx JSON errors and keeps serving`, async () => {
    let sent = 0;
    const statuses = new Map<number, number>();
    const check = async (req: Req): Promise<void> => {
      sent++;
      const headers: Record<string, string> = {};
      if (req.auth === "user") headers.authorization = `Bearer ${user.client.token}`;
      else if (req.auth !== "none") headers.authorization = `Bearer ${req.auth}`;
      if (req.body !== undefined) headers["content-type"] = req.contentType ?? "application/json";
      const r = await fetch(server.url + req.path, {
        method: req.method,
        headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await r.text();
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const what = `${req.method} ${req.path.slice(0, 200)} -> ${text.slice(0, 200)}`;
      expect(r.status, what).toBeGreaterThanOrEqual(400);
      expect(r.status, what).toBeLessThan(500);
      const body = JSON.parse(text) as { error?: unknown };
      expect(typeof body.error, what).toBe("string");
      expect(text).not.toMatch(LEAK);
    };
    await fc.assert(
      // Batches of 8 requests in flight at once: faster, and it also exercises concurrent bad input.
      fc.asyncProperty(
        fc.array(
          buildArbitrary(() => user),
          { minLength: BATCH, maxLength: BATCH },
        ),
        async (batch) => {
          await Promise.all(batch.map((req) => check(req)));
        },
      ),
      {
        numRuns: Math.ceil(RUNS / BATCH),
        seed: process.env.SUBSTRATE_FUZZ_SEED ? Number(process.env.SUBSTRATE_FUZZ_SEED) : undefined,
      },
    );
    // Only 4xx answers were seen (each was also checked one by one above).
    expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true);
    expect(sent).toBeGreaterThanOrEqual(RUNS);
    // The server still serves good requests.
    const c = new Client(server.url, user.client.token);
    const put = await c.put(`/api/objects/${user.id}`, { type: 7001, data: b64("still alive") });
    expect(put.status).toBe(201);
    expect((await c.get(`/api/objects/${user.id}/7001/${put.body.id}`)).status).toBe(200);
    expect(
      (await c.post(`/api/chains/append/${user.username}/after-fuzz/0`, "ok", { raw: true })).status,
    ).toBe(201);
    const fresh = await newUser(server.url, "afterfuzz");
    expect((await fresh.client.get("/api/account/me")).status).toBe(200);
  }, 120_000);
});

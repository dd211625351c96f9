// The client's batch against the real server (SQLite, in this process): one round-trip with the
// extension, the same results as single calls without it (option or HSAGENT_SUBSTRATE_BATCH=off),
// the capabilities document asked once per client, a clash as BatchClashError with nothing
// written, and a server without the document (404) handled as "no extension".

import type { TestSubstrate } from "@hsagent/substrate-server/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendBatch } from "../src/batch.js";
import { BASE_BATCH_OPS, parseCapabilities } from "../src/capabilities.js";
import {
  BatchClashError,
  type BatchItem,
  batchDisabledByEnv,
  fromUtf8,
  SubstrateClient,
} from "../src/index.js";
import { freshClient, startSqlite } from "./helpers/substrate.js";

let server: TestSubstrate;
beforeAll(async () => {
  server = await startSqlite();
});
afterAll(() => server?.stop());

const fresh = (batch?: boolean): Promise<SubstrateClient> =>
  freshClient(server.url, batch === undefined ? {} : { batch });

const items = (): BatchItem[] => [
  { op: "putObject", type: 7003, version: 0, json: { hello: 1 } },
  { op: "putObject", type: 7003, version: 0, data: new Uint8Array([1, 2]) },
  { op: "putAssociation", type: "pair", sourceId: "$0", targetId: "$1", json: { x: true } },
  { op: "appendBlock", chain: "batched", shard: 0, payload: "event" },
];

describe.each([true, false])("batch (extension used: %s)", (useBatch) => {
  it("writes every item and answers per item", async () => {
    const client = await fresh(useBatch);
    await client.capabilities();
    const before = client.stats.requests;
    const results = await client.batch(items());
    expect(client.stats.requests - before).toBe(useBatch ? 1 : 4);
    const [a, b, link, block] = results as [{ id: string }, { id: string }, object, { blockIdx: string }];
    expect(link).toEqual({});
    expect(block.blockIdx).toBe("0");
    const list = await client.listAssociations("pair", a.id);
    expect(list.associations.map((x) => x.targetId)).toEqual([b.id]);
    expect((await client.getJson(7003, a.id))?.value).toEqual({ hello: 1 });
    const [last] = await client.recentBlocks("batched", 0, 1);
    expect(fromUtf8(last!.payloads[0]!)).toBe("event");
    const del = await client.batch([
      { op: "deleteAssociation", type: "pair", sourceId: a.id, targetId: b.id },
      { op: "deleteObject", type: 7003, id: b.id },
    ]);
    expect(del).toEqual([{ deleted: true }, { deleted: true }]);
  });
});

describe.each([true, false])("expectNoAssociation (extension used: %s)", (useBatch) => {
  it("claims a free slot in one call, and a taken one clashes at the precondition with nothing written", async () => {
    const client = await fresh(useBatch);
    expect(await client.batchSupports("expectNoAssociation")).toBe(useBatch);
    const { id: src } = await client.putJson({ type: 7003, version: 0, value: "source" });
    const claim = (): BatchItem[] => [
      { op: "expectNoAssociation", type: "slot", sourceId: src },
      { op: "putObject", type: 7003, version: 0, json: "state" },
      { op: "putAssociation", type: "slot", sourceId: src, targetId: "$1" },
    ];
    const before = client.stats.requests;
    const first = await client.batch(claim());
    expect(client.stats.requests - before).toBe(useBatch ? 1 : 3);
    expect(first[0]).toEqual({});
    const stats = await client.objectStats();
    const error = await client.batch(claim()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchClashError);
    expect((error as BatchClashError).index).toBe(0);
    expect(await client.objectStats()).toEqual(stats);
    expect((await client.listAssociations("slot", src)).associations).toHaveLength(1);
  });
});

describe("batch semantics", () => {
  it("sends a batch with an op the server does not list as single calls (an older server)", async () => {
    const client = await fresh();
    const { id: src } = await client.putJson({ type: 7003, version: 0, value: "source" });
    const olderServer = { batch: { maxItems: 64, ops: new Set(BASE_BATCH_OPS) } };
    // The batched path would go through `core`; an older server's batch must not reach it.
    const core = {
      call: () => {
        throw new Error("sent as one batch");
      },
    } as unknown as Parameters<typeof sendBatch>[0];
    const before = client.stats.requests;
    const results = await sendBatch(
      core,
      olderServer,
      [
        { op: "expectNoAssociation", type: "older", sourceId: src },
        { op: "putObject", type: 7003, version: 0, json: "x" },
      ],
      client,
    );
    expect(client.stats.requests - before).toBe(2);
    expect(results[0]).toEqual({});
  });

  it("asks for the capabilities once per client", async () => {
    const client = await fresh();
    const before = client.stats.requests;
    await Promise.all([client.batch(items()), client.batch(items()), client.batch(items())]);
    expect(client.stats.requests - before).toBe(4);
  });

  it("a clash throws BatchClashError naming the item, and nothing is written", async () => {
    const client = await fresh();
    const { id } = await client.putJson({ type: 7003, version: 0, value: "v0" });
    const stats = await client.objectStats();
    const error = await client
      .batch([
        { op: "putObject", type: 7003, version: 0, json: "new" },
        { op: "appendBlock", chain: "never", shard: 0, payload: "x" },
        { op: "putObject", type: 7003, id, version: 3, json: "stale" },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchClashError);
    expect((error as BatchClashError).index).toBe(2);
    expect(await client.objectStats()).toEqual(stats);
    expect(await client.chainMetadata("never", 0)).toBeNull();
  });

  it("refuses a reference to no earlier create before sending anything", async () => {
    const client = await fresh();
    await client.capabilities();
    const before = client.stats.requests;
    await expect(client.batch([{ op: "deleteObject", type: 7003, id: "$0" }])).rejects.toThrow(/earlier/);
    expect(client.stats.requests).toBe(before);
  });

  it("treats a server without the document as one without the extension", async () => {
    const client = await fresh();
    // A path prefix the server does not serve stands in for a hosted API without the document.
    const other = new SubstrateClient({ baseUrl: `${server.url}/nowhere` });
    expect((await other.capabilities()).batch).toBeNull();
    expect((await client.capabilities()).batch?.maxItems).toBeGreaterThan(1);
  });

  it("reads a garbage capabilities document as no extension, never as an error", () => {
    const ok = { extensions: { batch: { maxItems: 64, ops: [...BASE_BATCH_OPS, "expectNoAssociation"] } } };
    expect(parseCapabilities(ok).batch?.ops.has("expectNoAssociation")).toBe(true);
    // A server that does not list ops takes the base ones; one that lists fewer is not used.
    expect(parseCapabilities({ extensions: { batch: { maxItems: 8 } } }).batch?.ops).toEqual(
      new Set(BASE_BATCH_OPS),
    );
    expect(
      parseCapabilities({ extensions: { batch: { maxItems: 8, ops: ["putObject"] } } }).batch,
    ).toBeNull();
    expect(parseCapabilities({ extensions: { batch: { maxItems: 0 } } }).batch).toBeNull();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({
            extensions: fc.record({ batch: fc.record({ maxItems: fc.anything(), ops: fc.anything() }) }),
          }),
        ),
        (doc) => {
          const caps = parseCapabilities(doc as never);
          if (caps.batch === null) return;
          expect(caps.batch.maxItems).toBeGreaterThanOrEqual(1);
          expect(caps.batch.maxItems).toBeLessThanOrEqual(10_000);
          for (const op of BASE_BATCH_OPS) expect(caps.batch.ops.has(op)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("HSAGENT_SUBSTRATE_BATCH=off turns the extension off", () => {
    expect(batchDisabledByEnv({ HSAGENT_SUBSTRATE_BATCH: "off" })).toBe(true);
    expect(batchDisabledByEnv({ HSAGENT_SUBSTRATE_BATCH: "on" })).toBe(false);
    expect(batchDisabledByEnv({})).toBe(false);
  });
});

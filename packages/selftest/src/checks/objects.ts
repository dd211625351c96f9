// Check `objects`: the BOSS object lifecycle the agent's identity, vault and
// session state rely on: create (server-assigned id), read back (JSON and
// binary data byte for byte), conditional update bumping the version by one,
// delete, read after delete (absent), delete again (reports not found).

import { randomBytes } from "node:crypto";
import { expect } from "../errors.js";
import type { CheckFn } from "./types.js";

/** Object type of the selftest's probe objects (outside the agent's 7001–7006). */
export const PROBE_TYPE = 7990;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
}

/** The `objects` check. */
export const objectsCheck: CheckFn = async (ctx) => {
  const { client, ledger } = ctx.requirePrimary();
  const value = { probe: "objects", run: ctx.runId, n: 1, text: "é✓" };
  const { id } = await client.putJson({ type: PROBE_TYPE, version: 0, value });
  ledger.object(PROBE_TYPE, id);
  expect(/^[1-9][0-9]*$/.test(id), `create: server assigned no usable id (${id})`);

  const read = await client.getJson(PROBE_TYPE, id);
  expect(read !== null, "read after create: object not found");
  expect(JSON.stringify(read.value) === JSON.stringify(value), "read after create: data differs");
  expect(Number.isInteger(read.version) && read.version >= 0, "read after create: no integer version");

  const binary = new Uint8Array(randomBytes(300));
  binary[0] = 0xff; // never valid UTF-8: proves bytes are not text-mangled
  await client.putObject({ type: PROBE_TYPE, id, version: read.version, data: binary });
  const updated = await client.getObject(PROBE_TYPE, id);
  expect(updated !== null, "read after update: object not found");
  expect(
    updated.version === read.version + 1,
    `update: version ${read.version} → ${updated.version}, expected +1`,
  );
  expect(sameBytes(updated.data, binary), "read after update: binary data differs");

  const deleted = await client.deleteObject(PROBE_TYPE, id);
  expect(deleted.success, "delete: server reported failure");
  ledger.objectGone(PROBE_TYPE, id);
  const gone = await client.getObject(PROBE_TYPE, id);
  expect(gone === null, "read after delete: object still there");
  const again = await client.deleteObject(PROBE_TYPE, id);
  expect(!again.success, "second delete: reported success for a deleted object");
};

// Check `associations`: the association index the agent finds peers, nonces
// and sessions through. Seven associations are written in shuffled order (one
// re-PUT moves an entry); the list must come back ordered by position
// descending with the right count, `after` must page through it without gaps
// or repeats, `targetId` must filter, data must round-trip, and deletes must
// show (an empty list is 200 with count 0).

import { randomInt } from "node:crypto";
import { fromUtf8 } from "@hsagent/substrate-client";
import { expect } from "../errors.js";
import type { CheckFn } from "./types.js";

const N = 7;
const PAGE = 3;

/** The `associations` check. */
export const associationsCheck: CheckFn = async (ctx) => {
  const { client, ledger } = ctx.requirePrimary();
  const type = `selftest-assoc-${ctx.runId}`;
  const sourceId = ctx.randomId();
  const base = 1_000_000 + randomInt(0, 1_000_000);
  // Positions base+10..base+70, written in a shuffled order.
  const items = Array.from({ length: N }, (_, k) => ({
    targetId: String(1000 + k),
    position: String(base + 10 * (k + 1)),
  }));
  const shuffled = [...items];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = randomInt(0, i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  for (const it of shuffled) ledger.association(type, sourceId, it.targetId);
  // Whatever is left after a failure is removed by the final sweep (the ledger).
  for (const it of shuffled) {
    await client.putAssociation({
      type,
      sourceId,
      targetId: it.targetId,
      time: it.position,
      position: it.position,
      json: { target: it.targetId },
    });
  }
  // Re-PUT moves the lowest entry to the top: an overwrite, not a second row.
  const moved = items[0]!;
  moved.position = String(base + 1000);
  await client.putAssociation({
    type,
    sourceId,
    targetId: moved.targetId,
    time: moved.position,
    position: moved.position,
    json: { target: moved.targetId, moved: true },
  });
  const expected = [...items].sort((a, b) => Number(b.position) - Number(a.position));
  const expectedOrder = expected.map((i) => i.targetId).join(",");

  const all = await client.listAssociations(type, sourceId, { limit: 1000 });
  expect(all.count === N, `list: count ${all.count}, expected ${N}`);
  expect(all.associations.length === N, `list: ${all.associations.length} entries, expected ${N}`);
  const order = all.associations.map((a) => a.targetId).join(",");
  expect(order === expectedOrder, "list: not ordered by position descending");
  const top = all.associations[0]!;
  expect(top.position === moved.position, "re-PUT did not overwrite the position");
  expect(fromUtf8(top.data).includes('"moved":true'), "re-PUT did not overwrite the data");

  const paged: string[] = [];
  let after: string | undefined;
  for (let page = 0; page < N; page++) {
    const list = await client.listAssociations(type, sourceId, {
      limit: PAGE,
      ...(after !== undefined ? { after } : {}),
    });
    expect(list.count === list.associations.length, `page ${page + 1}: count ${list.count} ≠ entries`);
    expect(list.associations.length <= PAGE, `page ${page + 1}: more entries than the limit`);
    if (list.associations.length === 0) break;
    paged.push(...list.associations.map((a) => a.targetId));
    after = list.associations[list.associations.length - 1]!.position;
  }
  expect(paged.join(",") === expectedOrder, "paging with `after` skipped, repeated or reordered entries");

  const one = await client.listAssociations(type, sourceId, { targetId: items[3]!.targetId });
  expect(
    one.count === 1 && one.associations[0]?.targetId === items[3]!.targetId,
    "targetId filter did not return exactly that association",
  );

  for (const it of items) await client.deleteAssociation(type, sourceId, it.targetId);
  for (const it of items) ledger.associationGone(type, sourceId, it.targetId);
  const empty = await client.listAssociations(type, sourceId);
  expect(empty.count === 0 && empty.associations.length === 0, "list after deleting all is not empty");
};

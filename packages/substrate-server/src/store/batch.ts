// Batched writes (the substrate API's batch extension) at the storage level: what one batch item
// is, what it answers, and the one plan both backends run — as a generator, so SQLite drives it
// synchronously inside one better-sqlite3 transaction (nothing else can interleave) and PostgreSQL
// drives it with awaits inside one BEGIN/COMMIT. A clash or a missing object stops the plan; the
// driver then rolls the whole batch back and reports which item it was.

import type { AssociationRecord, ChainKey, NewBlock, UpdateOutcome } from "./types.js";

/** An object id, or a reference to the id created by an earlier item of the same batch. */
export type IdRef = bigint | { readonly ref: number };

/** Fields shared by batch items (ids may be `IdRef`) and plan steps (ids resolved to `bigint`). */
interface ObjectCreate {
  readonly type: number;
  readonly version: number;
  readonly data: Buffer;
}
interface ObjectUpdate<Id> extends ObjectCreate {
  readonly id: Id;
}
interface ObjectDelete<Id> {
  readonly type: number;
  readonly id: Id;
}
interface AssociationDelete<Id> {
  readonly type: string;
  readonly sourceId: Id;
  readonly targetId: Id;
}
interface AssociationProbe<Id> {
  readonly type: string;
  readonly sourceId: Id;
}
interface BlockAppend {
  readonly key: ChainKey;
  readonly block: NewBlock;
}

/** One write of a batch, already validated and authorized by the HTTP layer. */
export type BatchOp =
  | ({ readonly op: "createObject" } & ObjectCreate)
  | ({ readonly op: "updateObject" } & ObjectUpdate<IdRef>)
  | ({ readonly op: "deleteObject" } & ObjectDelete<IdRef>)
  | {
      readonly op: "putAssociation";
      readonly association: Omit<AssociationRecord, "tenant" | "sourceId" | "targetId"> & {
        readonly sourceId: IdRef;
        readonly targetId: IdRef;
      };
    }
  | ({ readonly op: "deleteAssociation" } & AssociationDelete<IdRef>)
  | ({ readonly op: "appendBlock" } & BlockAppend)
  | ({ readonly op: "expectNoAssociation" } & AssociationProbe<IdRef>);

/** What one item of an applied batch answers. */
export type BatchItemResult =
  | { readonly id: bigint }
  | { readonly deleted: boolean }
  | { readonly blockIdx: bigint; readonly eventId: string }
  | Record<string, never>;

/** Outcome of {@link SubstrateStore.applyBatch}: all applied, or nothing applied and why. */
export type BatchOutcome =
  | { readonly ok: true; readonly results: BatchItemResult[] }
  | { readonly ok: false; readonly index: number; readonly reason: "clash" | "missing" };

/** One primitive write the plan asks the backend to do (ids resolved). */
export type Step =
  | ({ readonly do: "create" } & ObjectCreate)
  | ({ readonly do: "update" } & ObjectUpdate<bigint>)
  | ({ readonly do: "delete" } & ObjectDelete<bigint>)
  | { readonly do: "putAssoc"; readonly a: AssociationRecord }
  | ({ readonly do: "deleteAssoc" } & AssociationDelete<bigint>)
  | ({ readonly do: "append" } & BlockAppend)
  | ({ readonly do: "anyAssoc" } & AssociationProbe<bigint>);

/** What a step answers: create → id, update → outcome, deletes → changed, append → block, anyAssoc → found. */
export type StepAnswer = bigint | UpdateOutcome | boolean | { idx: bigint; eventId: string } | undefined;

/** Thrown by a driver to abort (roll back) a batch whose plan stopped early. */
export class BatchAbort extends Error {
  /** A SQLSTATE-like code, so the PostgreSQL driver rolls back instead of dropping the connection. */
  readonly code = "BATCH_ABORT";
  constructor(readonly outcome: Extract<BatchOutcome, { ok: false }>) {
    super(`batch item ${outcome.index}: ${outcome.reason}`);
  }
}

/**
 * The plan of a batch: yields one {@link Step} per item and receives its answer. Returns the
 * outcome; a `{ok:false}` outcome means the driver must roll back. A reference to an item that
 * created no object is a programming error of the HTTP layer (it checks references first).
 */
export function* batchPlan(
  tenant: bigint,
  ops: readonly BatchOp[],
): Generator<Step, BatchOutcome, StepAnswer> {
  const results: BatchItemResult[] = [];
  const created = new Map<number, bigint>();
  const id = (ref: IdRef): bigint => {
    if (typeof ref === "bigint") return ref;
    const got = created.get(ref.ref);
    if (got === undefined) throw new Error(`batch reference $${ref.ref} names no created object`);
    return got;
  };
  for (let index = 0; index < ops.length; index++) {
    const op = ops[index]!;
    switch (op.op) {
      case "createObject": {
        const newId = (yield { do: "create", type: op.type, version: op.version, data: op.data }) as bigint;
        created.set(index, newId);
        results.push({ id: newId });
        break;
      }
      case "updateObject": {
        const target = id(op.id);
        const outcome = (yield {
          do: "update",
          type: op.type,
          id: target,
          version: op.version,
          data: op.data,
        }) as UpdateOutcome;
        if (outcome !== "ok") return { ok: false, index, reason: outcome };
        results.push({ id: target });
        break;
      }
      case "deleteObject":
        results.push({ deleted: (yield { do: "delete", type: op.type, id: id(op.id) }) as boolean });
        break;
      case "putAssociation": {
        const a = op.association;
        yield {
          do: "putAssoc",
          a: { ...a, tenant, sourceId: id(a.sourceId), targetId: id(a.targetId) },
        };
        results.push({});
        break;
      }
      case "deleteAssociation": {
        const step: Step = {
          do: "deleteAssoc",
          type: op.type,
          sourceId: id(op.sourceId),
          targetId: id(op.targetId),
        };
        results.push({ deleted: (yield step) as boolean });
        break;
      }
      case "appendBlock": {
        const b = (yield { do: "append", key: op.key, block: op.block }) as { idx: bigint; eventId: string };
        results.push({ blockIdx: b.idx, eventId: b.eventId });
        break;
      }
      case "expectNoAssociation": {
        // A precondition: an association of this type from this source (so far in this
        // transaction) stops the batch as a clash.
        const found = (yield { do: "anyAssoc", type: op.type, sourceId: id(op.sourceId) }) as boolean;
        if (found) return { ok: false, index, reason: "clash" };
        results.push({});
        break;
      }
    }
  }
  return { ok: true, results };
}

/** Drive a plan synchronously (SQLite, inside a transaction); throws {@link BatchAbort} to roll back. */
export function driveSync(
  plan: Generator<Step, BatchOutcome, StepAnswer>,
  run: (step: Step) => StepAnswer,
): BatchOutcome {
  let next = plan.next(undefined);
  while (!next.done) next = plan.next(run(next.value));
  if (!next.value.ok) throw new BatchAbort(next.value);
  return next.value;
}

/** Drive a plan with awaits (PostgreSQL, inside a transaction); throws {@link BatchAbort} to roll back. */
export async function driveAsync(
  plan: Generator<Step, BatchOutcome, StepAnswer>,
  run: (step: Step) => Promise<StepAnswer>,
): Promise<BatchOutcome> {
  let next = plan.next(undefined);
  while (!next.done) next = plan.next(await run(next.value));
  if (!next.value.ok) throw new BatchAbort(next.value);
  return next.value;
}

// Row mappers shared by the SQLite and PostgreSQL backends. Both schemas use the same snake_case
// column names; the drivers differ only in how they hand back integers (SQLite: bigint or number,
// pg: string or number) and bytes (Buffer or Uint8Array), which the converters below absorb. Each
// record is described once, as its fields grouped by converter; the column of field `fooBar` is
// `foo_bar`.

import type { BlockSystem } from "../chain-hash.js";
import type {
  AccountRecord,
  AssociationRecord,
  BlockRecord,
  ChainRecord,
  ObjectRecord,
  ObjectStats,
} from "./types.js";

/** A database row as the drivers return it. */
export type Row = Record<string, unknown>;

/** A 64-bit integer column (bigint, number or decimal string) as a bigint. */
export const big = (v: unknown): bigint => (typeof v === "bigint" ? v : BigInt(v as string | number));
const num = (v: unknown): number => Number(v);
const str = (v: unknown): string => String(v);
/** A bytes column as a Buffer. */
export const buf = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array));

const CONVERTERS = { big, num, str, buf } as const;

type Converter = keyof typeof CONVERTERS;
type Produces = { big: bigint; num: number; str: string; buf: Buffer };
/** The fields of `R` whose type is what converter `C` produces. */
type FieldsOf<R, C extends Converter> = { [K in keyof R]: R[K] extends Produces[C] ? K : never }[keyof R];
/** A record's fields, grouped by the converter that reads them. */
type Layout<R> = { [C in Converter]?: ReadonlyArray<FieldsOf<R, C> & string> };

const column = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Build a mapper from rows to `R` for the fields in `layout`. */
function rowMapper<R>(layout: Layout<R>): (r: Row) => R {
  const reads: Array<[field: string, column: string, convert: (v: unknown) => unknown]> = [];
  for (const [conv, fields] of Object.entries(layout) as Array<[Converter, readonly string[]]>) {
    for (const f of fields) reads.push([f, column(f), CONVERTERS[conv]]);
  }
  return (r) => {
    const out: Record<string, unknown> = {};
    for (const [field, col, convert] of reads) out[field] = convert(r[col]);
    return out as R;
  };
}

/** An accounts row. */
export const toAccount = rowMapper<AccountRecord>({
  big: ["id"],
  str: ["username", "passwordHash"],
  num: ["version", "createdAt"],
});

/** An objects row. */
export const toObject = rowMapper<ObjectRecord>({
  big: ["tenant", "id"],
  num: ["type", "version", "createdAt", "updatedAt"],
  buf: ["data"],
});

/** An associations row. */
export const toAssociation = rowMapper<AssociationRecord>({
  big: ["tenant", "sourceId", "targetId", "time", "position"],
  str: ["type"],
  buf: ["data"],
});

/** A chains row. */
export const toChain = rowMapper<ChainRecord>({
  str: ["tenant", "name"],
  num: ["shard", "createdAt", "updatedAt"],
  big: ["headIdx", "tailIdx", "blockCount", "messageCount", "payloadBytes"],
});

const blockFields = rowMapper<Omit<BlockRecord, "system">>({
  str: ["tenant", "name"],
  num: ["shard", "createdAt", "messageCount", "payloadBytes"],
  big: ["idx"],
  buf: ["payloads", "hash", "prevHash"],
});
const blockSystem = rowMapper<BlockSystem>({ str: ["eventId", "sourceAgent"], big: ["timestamp"] });

/** A blocks row (its `system` columns gathered into one object). */
export function toBlock(r: Row): BlockRecord {
  return { ...blockFields(r), system: blockSystem(r) };
}

/** The values of a new blocks row after its key columns, in the order of the INSERTs. */
export function blockValues(b: BlockRecord): unknown[] {
  const { system } = b;
  return [
    b.idx,
    b.payloads,
    system.eventId,
    system.timestamp,
    system.sourceAgent,
    b.createdAt,
    b.messageCount,
    b.payloadBytes,
    b.hash,
    b.prevHash,
  ];
}

/** The values of an associations row, in column order (the INSERTs' order). */
export function associationValues(a: AssociationRecord): unknown[] {
  return [a.tenant, a.type, a.sourceId, a.targetId, a.time, a.position, a.data];
}

/** A tenant's stats from the `n`/`bytes` rows of its objects and of its associations. */
export function toObjectStats(objects: Row, associations: Row): ObjectStats {
  return {
    objectCount: big(objects.n),
    objectBytes: big(objects.bytes),
    associationCount: big(associations.n),
    associationBytes: big(associations.bytes),
  };
}

// Check `version-clash`: optimistic concurrency, which session milestones and
// identity updates rely on. After one update (version v → v+1), a PUT carrying
// the stale version v, and one carrying a version from the future, must both
// be refused with 409 VERSION_CLASH and must not change the stored object.

import { VersionClashError } from "@hsagent/substrate-client";
import { CheckFailure, expect } from "../errors.js";
import { PROBE_TYPE } from "./objects.js";
import type { CheckFn } from "./types.js";

/** The `version-clash` check. */
export const versionClashCheck: CheckFn = async (ctx) => {
  const { client, ledger } = ctx.requirePrimary();
  const { id } = await client.putJson({ type: PROBE_TYPE, version: 0, value: { step: "created" } });
  ledger.object(PROBE_TYPE, id);
  try {
    const created = await client.getJson(PROBE_TYPE, id);
    expect(created !== null, "object not found after create");
    const v = created.version;
    await client.putJson({ type: PROBE_TYPE, id, version: v, value: { step: "updated" } });

    for (const [label, version] of [
      ["stale", v],
      ["future", v + 5],
    ] as const) {
      try {
        await client.putJson({ type: PROBE_TYPE, id, version, value: { step: label } });
      } catch (error) {
        if (error instanceof VersionClashError && error.status === 409) continue;
        if (error instanceof VersionClashError) {
          throw new CheckFailure(`${label} version answered HTTP ${error.status}, expected 409`);
        }
        throw error;
      }
      throw new CheckFailure(`a PUT with a ${label} version (${version}) was accepted, expected 409`);
    }

    const after = await client.getJson<{ step?: string }>(PROBE_TYPE, id);
    expect(after !== null, "object not found after the clashes");
    expect(after.value.step === "updated", `a refused PUT changed the data (now "${after.value.step}")`);
    expect(after.version === v + 1, `version is ${after.version} after one update from ${v}`);
  } finally {
    await ledger.dropObject(client, PROBE_TYPE, id);
  }
};

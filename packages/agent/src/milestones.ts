/**
 * Write-behind milestone persistence for one peer (PROTOCOL.md §8). The protocol lane never waits
 * for these writes: they run in order on their own queue, and while one is in flight the next
 * milestones coalesce into the latest (a session that is established and finalizing before its
 * `created` write returned costs one more PUT, not two). `ended` drops any queued save and purges
 * the session state (one DELETE, which removes its associations) and this session's nonce
 * markers, in parallel. This keeps a full session within the call budget and off the latency
 * path; a crash loses at most the newest milestone, and the restart purge still finds the state.
 */
import type { SessionRecord as MachineRecord, Milestone } from "@hsagent/protocol";
import { type AgentStores, SessionConflictError, type SessionRecord } from "@hsagent/stores";

/** What the writer reports back to the runtime. */
export interface MilestoneHooks {
  /** Another process owns the state: abort the session (its state is left alone). */
  onConflict(error: SessionConflictError): void;
  /** A write failed for another reason (logged and counted by the runtime). */
  onError(error: unknown, what: string): void;
}

/** Milestone writer of one (self, peer) pair. */
export class MilestoneWriter {
  readonly #stores: AgentStores;
  readonly #peerObjId: string;
  readonly #hooks: MilestoneHooks;
  #pending: SessionRecord | null = null;
  #end: { role: MachineRecord["role"] } | null = null;
  /** True once a save for the current session reached the store (a DELETE is then needed). */
  #saved = false;
  /** The store refused our state (conflict): never delete it. */
  #conflicted = false;
  #running: Promise<void> | null = null;

  constructor(stores: AgentStores, peerObjId: string, hooks: MilestoneHooks) {
    this.#stores = stores;
    this.#peerObjId = peerObjId;
    this.#hooks = hooks;
  }

  /** Queue a milestone of the current session. */
  record(milestone: Milestone, record: MachineRecord): void {
    if (milestone === "ended") {
      this.#pending = null;
      this.#end = { role: record.role };
    } else {
      this.#pending = {
        role: record.role,
        peerIdentityObjId: this.#peerObjId,
        milestone,
        selfId: record.selfId,
        peerId: record.peerId,
        state: record.state,
        protocolVersion: record.version,
        sid: record.sid,
        startedAt: record.startedAt,
        updatedAt: record.updatedAt,
      };
    }
    this.#kick();
  }

  /** Resolves when every queued write has been attempted. */
  async drain(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = this.#loop().finally(() => {
      this.#running = null;
      if (this.#pending || this.#end) this.#kick();
    });
  }

  async #loop(): Promise<void> {
    for (;;) {
      const save = this.#pending;
      if (save) {
        this.#pending = null;
        if (this.#conflicted) continue;
        try {
          await this.#stores.sessions.save(save);
          this.#saved = true;
        } catch (error) {
          if (error instanceof SessionConflictError) {
            this.#conflicted = true;
            this.#hooks.onConflict(error);
          } else this.#hooks.onError(error, "session save");
        }
        continue;
      }
      const end = this.#end;
      if (!end) return;
      this.#end = null;
      const work: Promise<unknown>[] = [this.#stores.nonces.purgePeer(this.#peerObjId)];
      if (this.#saved && !this.#conflicted) work.push(this.#stores.sessions.purge(end.role, this.#peerObjId));
      this.#saved = false;
      this.#conflicted = false;
      const results = await Promise.allSettled(work);
      for (const r of results) if (r.status === "rejected") this.#hooks.onError(r.reason, "session purge");
    }
  }
}

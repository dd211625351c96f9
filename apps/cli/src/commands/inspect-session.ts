// `hsagent inspect-session`: an agent's live sessions and its recent audit trail, read from the
// substrate, plus whether its hash-linked audit chain validates.

import { resolveSettings } from "@hsagent/config";
import {
  type AuditEvent,
  createSubstrateAuditLog,
  type ForeignBlock,
  SubstrateSessionStore,
} from "@hsagent/stores";
import type { SubstrateClient } from "@hsagent/substrate-client";
import { Flags } from "@oclif/core";
import { BaseCommand } from "../lib/base.js";
import { openDataDirSubstrate, readSecrets } from "../lib/datadir.js";
import { CliError } from "../lib/errors.js";
import { CREDENTIALS_HELP, substrateFlags } from "../lib/flags.js";
import { findIdentity, listIdentities, type PublicIdentity } from "../lib/identities.js";
import { loginSubstrate, requireCredentials, substrateFailure } from "../lib/substrate.js";

/** One session as shown. */
export interface SessionView {
  readonly role: string;
  readonly state: string | null;
  readonly milestone: string | null;
  readonly peerName: string | null;
  readonly peerId: string | null;
  readonly peerIdentityObjId: string;
  readonly protocolVersion: number | null;
  /** How the session's keys were agreed (`x25519`, `x25519+mlkem768`), once known. */
  readonly keyAgreement: string | null;
  /** First 12 characters of the session id. */
  readonly sidPrefix: string | null;
  readonly since: string | null;
}

/** One agent's report. */
export interface AgentReport {
  readonly name: string;
  readonly agentId: string;
  readonly sessions: SessionView[];
  readonly audit: (AuditEvent & { readonly peerName?: string })[];
  readonly auditChainValid: boolean;
  readonly auditChainError: string | null;
  /** Blocks in the audit chain that another account wrote: never taken as the agent's events. */
  readonly foreign: number;
  /** Who wrote them, as the substrate says (sourceAgent), and where. */
  readonly foreignBlocks: readonly ForeignBlock[];
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

function since(v: unknown): string | null {
  if (typeof v === "number" && Number.isFinite(v)) return new Date(v).toISOString();
  return str(v);
}

/** `hsagent inspect-session`. */
export default class InspectSession extends BaseCommand {
  static override summary = "Show an agent's sessions and audit trail.";
  static override description =
    `For each agent of the account (or the one given by --name): its sessions as persisted in the substrate (role, state, peer name and id, protocol version, session id prefix, since when), its most recent audit events, whether its audit chain validates, and how many of its blocks another account wrote ("foreign": shown, never taken as the agent's events). With --data-dir it reads the data directory of \`hsagent up\` (its account, and its substrate — live, or the SQLite file when up is not running). ${CREDENTIALS_HELP}`;
  static override examples = [
    "<%= config.bin %> inspect-session --data-dir .hsagent --name alpha",
    "<%= config.bin %> inspect-session --name alpha --peer beta --audit 50 --json",
    "<%= config.bin %> inspect-session --config client_config.json",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...substrateFlags,
    name: Flags.string({
      char: "n",
      description: "Agent display name (default: every agent of the account).",
    }),
    peer: Flags.string({
      description: "Only sessions and audit events with this peer (display name or agent id).",
    }),
    audit: Flags.integer({
      description: "How many recent audit events to show.",
      default: 20,
      min: 0,
      max: 1000,
    }),
    "data-dir": Flags.string({
      description: "Use the account and substrate of `hsagent up`'s data directory.",
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(InspectSession);
    let url: string;
    let creds: ReturnType<typeof requireCredentials>;
    let closeLocal: () => Promise<void> = async () => {};
    const settings = resolveSettings({
      config: flags.config,
      substrate: flags.substrate,
      caFile: flags["ca-file"],
      name: flags.name,
    });
    for (const w of settings.warnings) this.note(`hsagent: warning: ${w}`);
    if (flags["data-dir"] !== undefined) {
      const secrets = readSecrets(flags["data-dir"]);
      if (!secrets)
        throw new CliError(
          `${flags["data-dir"]} holds no hsagent up account; run \`hsagent up\` first`,
          "DATA_DIR",
        );
      creds = { username: secrets.username, password: secrets.password };
      if (flags.substrate) {
        url = settings.substrateUrl;
      } else {
        const local = await openDataDirSubstrate(flags["data-dir"]);
        url = local.url;
        closeLocal = local.close;
      }
    } else {
      url = settings.substrateUrl;
      creds = requireCredentials(settings.credentials);
    }
    try {
      const client = await loginSubstrate(url, creds, { caFile: settings.caFile });
      const reports = await this.#inspect(client, url, settings.name, flags.peer ?? null, flags.audit);
      if (this.jsonEnabled()) {
        process.stdout.write(`${JSON.stringify({ substrate: url, agents: reports }, null, 2)}\n`);
      } else {
        for (const r of reports) this.#print(r);
      }
    } finally {
      await closeLocal();
    }
  }

  async #inspect(
    client: SubstrateClient,
    url: string,
    name: string | null,
    peer: string | null,
    auditCount: number,
  ): Promise<AgentReport[]> {
    try {
      const all = await listIdentities(client);
      let targets: PublicIdentity[];
      if (name !== null) {
        const one = all.find((i) => i.displayName === name) ?? (await findIdentity(client, name));
        if (!one) throw new CliError(`no agent named ${name} in account ${client.username}`, "UNKNOWN_AGENT");
        targets = [one];
      } else {
        targets = all;
        if (targets.length === 0)
          throw new CliError(`account ${client.username} has no agents yet`, "UNKNOWN_AGENT");
      }
      const byObj = new Map(all.map((i) => [i.identityObjId, i]));
      const byAgent = new Map(all.map((i) => [i.agentId, i]));
      const peerMatch = (agentId: string | null, objId: string | null): boolean => {
        if (peer === null) return true;
        const ident = (objId ? byObj.get(objId) : undefined) ?? (agentId ? byAgent.get(agentId) : undefined);
        return peer === agentId || peer === objId || (ident !== undefined && ident.displayName === peer);
      };
      const reports: AgentReport[] = [];
      for (const t of targets) {
        const store = new SubstrateSessionStore(client, t.agentId, t.identityObjId);
        const stored = await store.list();
        const sessions: SessionView[] = stored
          .map(({ record: r }) => {
            const peerIdent = byObj.get(r.peerIdentityObjId);
            const peerId = str(r.peerId) ?? peerIdent?.agentId ?? null;
            return {
              role: r.role,
              state: str(r.state),
              milestone: str(r.milestone),
              peerName: peerIdent?.displayName ?? null,
              peerId,
              peerIdentityObjId: r.peerIdentityObjId,
              protocolVersion: typeof r.protocolVersion === "number" ? r.protocolVersion : null,
              keyAgreement: str(r.keyAgreement),
              sidPrefix: str(r.sid)?.slice(0, 12) ?? null,
              since: since(r.startedAt ?? r.since ?? r.updatedAt),
            };
          })
          .filter((s) => peerMatch(s.peerId, s.peerIdentityObjId));
        const audit = createSubstrateAuditLog(client, t.agentId);
        let events: AuditEvent[] = [];
        if (auditCount > 0) {
          const recent = await audit.recent(peer === null ? auditCount : 1000);
          events =
            peer === null
              ? recent
              : recent.filter((e) => e.peer !== undefined && peerMatch(e.peer, null)).slice(-auditCount);
        }
        const named = events.map((e) => {
          const peerName = e.peer ? byAgent.get(e.peer)?.displayName : undefined;
          return peerName ? { ...e, peerName } : e;
        });
        const validation = await audit.validate();
        const foreignBlocks = await audit.foreignBlocks();
        await audit.close();
        reports.push({
          name: t.displayName,
          agentId: t.agentId,
          sessions,
          audit: named,
          auditChainValid: validation.isValid,
          auditChainError: validation.errorMessage,
          foreign: foreignBlocks.length,
          foreignBlocks,
        });
      }
      return reports;
    } catch (err) {
      throw substrateFailure(err, url, "inspection");
    }
  }

  #print(r: AgentReport): void {
    this.log(`agent ${r.name} (${r.agentId})`);
    if (r.sessions.length === 0) this.log("  sessions: none open");
    else {
      this.log(`  sessions (${r.sessions.length}):`);
      for (const s of r.sessions) {
        this.log(
          `    ${s.role.padEnd(9)} ${String(s.state ?? s.milestone ?? "?").padEnd(16)} peer ${s.peerName ?? "?"} (${s.peerId ?? s.peerIdentityObjId})  v${s.protocolVersion ?? "?"}${s.keyAgreement ? ` ${s.keyAgreement}` : ""}  sid ${s.sidPrefix ?? "-"}  since ${s.since ?? "?"}`,
        );
      }
    }
    this.log(
      `  audit chain: ${r.auditChainValid ? "valid" : `INVALID (${r.auditChainError ?? "unknown reason"})`}`,
    );
    if (r.foreign > 0) {
      const who = [...new Set(r.foreignBlocks.map((f) => f.sourceAgent ?? "unknown"))].join(", ");
      this.log(
        `  WARNING: ${r.foreign} foreign block(s) in the audit chain, written by another account (${who}); not counted as this agent's events`,
      );
    } else this.log("  foreign blocks: none");
    this.log(`  recent audit events (${r.audit.length}):`);
    for (const e of r.audit) {
      const parts = [e.at, e.type];
      if (e.peer) parts.push(`peer=${e.peerName ?? e.peer}`);
      if (e.protocolVersion !== undefined) parts.push(`v${e.protocolVersion}`);
      if (typeof e.detail?.keyAgreement === "string") parts.push(e.detail.keyAgreement);
      if (e.sid) parts.push(`sid=${e.sid.slice(0, 12)}`);
      if (e.reason) parts.push(`reason=${e.reason}`);
      this.log(`    ${parts.join("  ")}`);
    }
  }
}

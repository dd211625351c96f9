// `hsagent identity show NAME`: an agent's public identity (ids and public keys only).

import { resolveSettings } from "@hsagent/config";
import { Args } from "@oclif/core";
import { BaseCommand } from "../../lib/base.js";
import { CliError } from "../../lib/errors.js";
import { CREDENTIALS_HELP, substrateFlags } from "../../lib/flags.js";
import { findIdentity } from "../../lib/identities.js";
import { loginSubstrate, requireCredentials, substrateFailure } from "../../lib/substrate.js";

/** `hsagent identity show`. */
export default class IdentityShow extends BaseCommand {
  static override summary = "Show an agent's public identity.";
  static override description =
    `Prints the agent id, identity object id, owner and public keys (Ed25519 signing, X25519) of the agent NAME of your account, and the protocol versions it publishes. Private keys stay in the encrypted vault and are never shown. ${CREDENTIALS_HELP}`;
  static override examples = [
    "HSAGENT_USERNAME=me HSAGENT_PASSWORD=... <%= config.bin %> identity show alpha",
    "<%= config.bin %> identity show alpha --config client_config.json --json",
  ];
  static override enableJsonFlag = true;
  static override args = { name: Args.string({ description: "Display name of the agent.", required: true }) };
  static override flags = { ...substrateFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(IdentityShow);
    const settings = resolveSettings({
      config: flags.config,
      substrate: flags.substrate,
      caFile: flags["ca-file"],
    });
    for (const w of settings.warnings) this.note(`hsagent: warning: ${w}`);
    const client = await loginSubstrate(settings.substrateUrl, requireCredentials(settings.credentials), {
      caFile: settings.caFile,
    });
    let identity: Awaited<ReturnType<typeof findIdentity>>;
    try {
      identity = await findIdentity(client, args.name);
    } catch (err) {
      throw substrateFailure(err, settings.substrateUrl, "identity lookup");
    }
    if (!identity)
      throw new CliError(`no agent named ${args.name} in account ${client.username}`, "UNKNOWN_AGENT");
    if (this.jsonEnabled()) {
      process.stdout.write(`${JSON.stringify(identity, null, 2)}\n`);
      return;
    }
    this.log(`name            ${identity.displayName}`);
    this.log(`agent id        ${identity.agentId}`);
    this.log(`identity object ${identity.identityObjId}`);
    this.log(`owner account   ${identity.ownerId}`);
    this.log(`signing key     ${identity.signPubB64} (Ed25519)`);
    this.log(`exchange key    ${identity.kxPubB64} (X25519)`);
    this.log(
      `protocols       ${identity.protocols.length > 0 ? identity.protocols.join(", ") : "(not published)"}`,
    );
  }
}

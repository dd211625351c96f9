// The base of every `hsagent` command: a `--debug` flag, secrets registered from the
// environment, and one error path — one clear sentence on stderr (plus a JSON error object on
// stdout with --json), the stack trace only with --debug, and a trustworthy exit status.

import { registerEnvSecrets, scrub } from "@hsagent/config";
import { Command, Flags } from "@oclif/core";
import { describeError } from "./describe-error.js";

/** Base class of the hsagent commands. */
export abstract class BaseCommand extends Command {
  /** Flags every command accepts. */
  static override baseFlags = {
    debug: Flags.boolean({ description: "Print stack traces of errors.", helpGroup: "GLOBAL" }),
  };

  override async init(): Promise<void> {
    registerEnvSecrets();
    await super.init();
  }

  /** True with `--debug` or `HSAGENT_DEBUG=1`. */
  protected get debugEnabled(): boolean {
    return this.argv.includes("--debug") || process.env.HSAGENT_DEBUG === "1";
  }

  /** Write one line to stderr (never suppressed by --json). */
  protected note(line: string): void {
    process.stderr.write(`${scrub(line)}\n`);
  }

  override async catch(err: Error & { code?: string }): Promise<unknown> {
    if (err.code === "EEXIT") throw err; // this.exit(): let oclif exit with that status
    const report = describeError(err);
    process.stderr.write(`hsagent: ${report.message}\n`);
    if (this.debugEnabled && err.stack) process.stderr.write(`${scrub(err.stack)}\n`);
    if (this.jsonEnabled()) {
      process.stdout.write(
        `${JSON.stringify({ ok: false, error: { code: report.code, message: report.message } })}\n`,
      );
    }
    return this.exit(report.exit);
  }
}

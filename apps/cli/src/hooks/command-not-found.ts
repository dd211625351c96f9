// oclif hook: an unknown command is a usage error — one sentence and exit 2, no oclif banner.

import type { Hook } from "@oclif/core";

const hook: Hook<"command_not_found"> = async (opts) => {
  const id = opts.id.replace(/:/g, " ");
  process.stderr.write(`hsagent: unknown command "${id}"; run \`hsagent --help\` for the list\n`);
  process.exit(2);
};

export default hook;

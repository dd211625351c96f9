// The CA file for https:// substrates (`--ca-file`, HSAGENT_CA_FILE, `hsagent.ca_file`): read and
// checked once, handed to the substrate client as extra trusted roots. Errors are one sentence.

import { readFileSync } from "node:fs";
import { CliError } from "./errors.js";

/** Read a PEM CA file; a missing, unreadable or non-PEM file is a CliError `CA_FILE`. */
export function readCaFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CliError(
      `cannot read the CA file ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      "CA_FILE",
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new CliError(`the CA file ${path} holds no PEM certificate`, "CA_FILE");
  }
  return text;
}

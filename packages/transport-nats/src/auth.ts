// Turn NATS credentials (see settings.ts) into the client's connection options. Secret material
// is read from files at connect time and handed to the client only; it is never logged.

import { readFileSync } from "node:fs";
import { RelayError } from "@hsagent/relay";
import {
  type ConnectionOptions,
  credsAuthenticator,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from "@nats-io/transport-node";
import type { NatsAuth } from "./settings.js";

function readBytes(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new RelayError(
      "INVALID_OPTION",
      `${what}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
}

/** Connection options carrying the authenticator for `auth` (empty for no auth). */
export function authenticatorFor(auth: NatsAuth): Pick<ConnectionOptions, "authenticator"> {
  switch (auth.kind) {
    case "none":
      return {};
    case "userpass":
      return { authenticator: usernamePasswordAuthenticator(auth.user, auth.pass) };
    case "token":
      return { authenticator: tokenAuthenticator(auth.token) };
    case "creds":
      return { authenticator: credsAuthenticator(readBytes(auth.file, "NATS creds file")) };
    case "nkey": {
      const seed = new TextDecoder().decode(readBytes(auth.seedFile, "NATS NKey seed file")).trim();
      return { authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) };
    }
  }
}

/**
 * Backend selection: `native` (default) or `noble`, by name or by passing a Backend object.
 */
import { HandshakeError } from "../errors.js";
import { nativeBackend } from "./native.js";
import { nobleBackend } from "./noble.js";
import type { Backend, BackendName } from "./types.js";

/** A backend given by name or as the object itself; `undefined` means `native`. */
export type BackendChoice = BackendName | Backend | undefined;

/** Resolve a backend choice to the Backend object. @throws HandshakeError `malformed` */
export function getBackend(choice?: BackendChoice): Backend {
  if (choice === undefined || choice === "native") return nativeBackend;
  if (choice === "noble") return nobleBackend;
  if (
    typeof choice === "object" &&
    choice !== null &&
    (choice.name === "native" || choice.name === "noble")
  ) {
    return choice;
  }
  throw new HandshakeError("malformed", "unknown crypto backend");
}

export { nativeBackend, nobleBackend };

// A quick TCP reachability check of the relay before an agent starts, so an unreachable relay is
// one clear sentence at start-up instead of endless silent reconnects.

import net from "node:net";
import { CliError } from "./errors.js";

/** Resolve once a TCP connection to host:port succeeds (then close it); CliError otherwise. */
export function probeRelay(host: string, port: number, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new CliError(`cannot reach the relay at ${host}:${port} (${why})`, "RELAY_UNREACHABLE"));
    };
    socket.setTimeout(timeoutMs, () => fail("timed out"));
    socket.once("error", (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    socket.once("connect", () => {
      socket.end();
      socket.destroy();
      resolve();
    });
  });
}

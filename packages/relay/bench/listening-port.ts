// Shared by the relay benches: the port a spawned `hsagent-relay --port 0` listens on, read from
// its `relay listening on HOST:PORT` line.

import type { ChildProcess } from "node:child_process";

/** Resolve with the port the relay child announces; reject if it exits first. */
export function listeningPort(relay: ChildProcess): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let buf = "";
    relay.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      const m = /relay listening on .*:(\d+)\n/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    relay.once("exit", (code) => reject(new Error(`relay exited ${code}`)));
  });
}

/** The machine description recorded with every result (os module only). */
import os from "node:os";
import type { MachineInfo } from "./results.js";

/** nproc, CPU model, memory, Node version and platform of this machine. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    nproc: typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

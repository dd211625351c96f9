/**
 * CPU time of processes from /proc/<pid>/stat (user + system, all threads), for benches that
 * charge every process of a deployment — agents, relay, substrate — to the sessions it served.
 * CPU time is what a loaded machine distorts least (latency suffers first).
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc (USER_HZ; 100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

/** CPU time used so far by process `pid`, in ms; 0 when it cannot be read (gone, not Linux). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start past the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Sum of {@link processCpuMs} over `pids`. */
export function totalCpuMs(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
}

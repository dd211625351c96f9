// Test helpers: a raw TCP line client (independent of the package's own client code) and
// small waiting utilities.

import net from "node:net";

/** A bare net.Socket that collects received lines as raw bytes. */
export class RawClient {
  readonly lines: Buffer[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      let nl = this.pending.indexOf(0x0a);
      while (nl !== -1) {
        this.lines.push(Buffer.from(this.pending.subarray(0, nl + 1)));
        this.pending = this.pending.subarray(nl + 1);
        nl = this.pending.indexOf(0x0a);
      }
      this.wake();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RawClient(s)));
      s.once("error", reject);
    });
  }

  /** `IP:PORT` of our end, as the relay reports it. */
  get localAddr(): string {
    return `${this.socket.localAddress}:${this.socket.localPort}`;
  }

  get text(): string[] {
    return this.lines.map((b) => b.toString("utf8"));
  }

  write(data: string | Buffer): boolean {
    return this.socket.write(data);
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Wait until `pred()` is true (re-checked on every received chunk and on close). */
  waitUntil(pred: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (pred()) {
          clearTimeout(t);
          this.waiters.delete(check);
          resolve();
        }
      };
      const t = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timeout waiting for ${what}; got ${this.lines.length} lines`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  waitLines(n: number, timeoutMs?: number): Promise<void> {
    return this.waitUntil(() => this.lines.length >= n, timeoutMs, `${n} lines`);
  }

  waitClosed(timeoutMs?: number): Promise<void> {
    return this.waitUntil(() => this.closed, timeoutMs, "close");
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Poll `pred` every 10 ms until true or timeout. */
export async function eventually(pred: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

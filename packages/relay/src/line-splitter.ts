// Byte-level newline splitter shared by the relay server and the client. It works on raw
// bytes (so UTF-8 characters split across TCP chunks are reassembled before decoding),
// enforces a maximum line length without ever buffering more than that, and discards an
// overlong line up to its next newline.

/** Callbacks and limits for a {@link LineSplitter}. */
export interface LineSplitterOptions {
  /** Largest accepted line in bytes, excluding the `\n`. Longer lines are discarded. */
  maxLineBytes: number;
  /** Called with each complete line (without `\n`). The buffer may alias the input chunk. */
  onLine: (line: Buffer) => void;
  /** Called once per discarded overlong line, when its terminating newline arrives. */
  onOverlong?: (discardedBytes: number) => void;
}

/**
 * Splits a byte stream into `\n`-terminated lines.
 *
 * Memory bound: at most `maxLineBytes` bytes of an unfinished line are held (copied, so
 * no input chunk is retained). Once an unfinished line exceeds the limit it is dropped and
 * everything up to the next newline is skipped without buffering.
 */
export class LineSplitter {
  private readonly max: number;
  private readonly onLine: (line: Buffer) => void;
  private readonly onOverlong: (discardedBytes: number) => void;
  private parts: Buffer[] = [];
  private partsLen = 0;
  private discarding = false;
  private discarded = 0;

  /** @param options - limit and callbacks */
  constructor(options: LineSplitterOptions) {
    if (!Number.isInteger(options.maxLineBytes) || options.maxLineBytes < 1) {
      throw new RangeError("maxLineBytes must be a positive integer");
    }
    this.max = options.maxLineBytes;
    this.onLine = options.onLine;
    this.onOverlong = options.onOverlong ?? (() => {});
  }

  /** Bytes of the current unfinished line held in memory (always ≤ maxLineBytes). */
  get bufferedBytes(): number {
    return this.partsLen;
  }

  /** True while an overlong line is being skipped. */
  get isDiscarding(): boolean {
    return this.discarding;
  }

  /** Feed the next chunk of bytes. */
  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(0x0a, start);
      if (nl === -1) {
        this.holdTail(buf, start);
        return;
      }
      const segLen = nl - start;
      if (this.discarding) {
        const total = this.discarded + segLen;
        this.discarding = false;
        this.discarded = 0;
        this.onOverlong(total);
      } else if (this.partsLen + segLen > this.max) {
        const total = this.partsLen + segLen;
        this.clearParts();
        this.onOverlong(total);
      } else {
        let line: Buffer;
        if (this.partsLen === 0) {
          line = buf.subarray(start, nl);
        } else {
          this.parts.push(buf.subarray(start, nl));
          line = Buffer.concat(this.parts, this.partsLen + segLen);
          this.clearParts();
        }
        this.onLine(line);
      }
      start = nl + 1;
    }
  }

  /**
   * Take the unfinished line (bytes after the last newline) at end of stream, or null if
   * there is none or it was overlong. Summoner's Python relay ends a connection with an
   * unterminated `Warning: ...`, which this recovers.
   */
  takeRemainder(): Buffer | null {
    const rest = this.discarding || this.partsLen === 0 ? null : Buffer.concat(this.parts, this.partsLen);
    this.reset();
    return rest;
  }

  /** Forget any unfinished line (e.g. after a reconnect). */
  reset(): void {
    this.clearParts();
    this.discarding = false;
    this.discarded = 0;
  }

  private holdTail(buf: Buffer, start: number): void {
    const rest = buf.length - start;
    if (this.discarding) {
      this.discarded += rest;
    } else if (this.partsLen + rest > this.max) {
      this.discarding = true;
      this.discarded = this.partsLen + rest;
      this.clearParts();
    } else {
      // Copy: a subarray would keep the whole (possibly large) chunk alive.
      this.parts.push(Buffer.from(buf.subarray(start)));
      this.partsLen += rest;
    }
  }

  private clearParts(): void {
    this.parts = [];
    this.partsLen = 0;
  }
}

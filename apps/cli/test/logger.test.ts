// Loggers: secrets are redacted by field name and scrubbed from any text, in both formats.

import { Writable } from "node:stream";
import { registerSecret } from "@hsagent/config";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/lib/logger.js";

function sink(): { stream: Writable; text: () => string } {
  let buf = "";
  const stream = new Writable({
    write(chunk, _enc, cb) {
      buf += String(chunk);
      cb();
    },
  });
  return { stream, text: () => buf };
}

describe("createLogger", () => {
  it.each(["json", "pretty"] as const)(
    "%s: redacts secret fields and scrubs registered secrets",
    (format) => {
      registerSecret("Logger-Secret-0042");
      const s = sink();
      const log = createLogger(format, "info", s.stream);
      log.info(
        { password: "field-pass-1", nested: { token: "tok-123456" }, peer: "beta" },
        "hello Logger-Secret-0042",
      );
      const out = s.text();
      expect(out).toContain("hello [redacted]");
      expect(out).toContain("beta");
      expect(out).not.toContain("field-pass-1");
      expect(out).not.toContain("tok-123456");
      expect(out).not.toContain("Logger-Secret-0042");
      if (format === "json") expect(JSON.parse(out.trim()).msg).toBe("hello [redacted]");
      else expect(out).toMatch(/^\d\d:\d\d:\d\d INFO {2}hello \[redacted\]/);
    },
  );
});

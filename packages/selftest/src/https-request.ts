// One HTTPS request trusting extra CA certificates (a substrate with a private CA): fetch cannot
// take a CA without an extra dependency, node:https can. Same contract as fetch here: any HTTP
// answer resolves; network errors and the timeout reject (the timeout as a TimeoutError).

import https from "node:https";
import tls from "node:tls";

/** Send `method url` with `headers` and `body`, trusting `ca` besides the system roots. */
export function httpsRequest(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  ca: string,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, headers, ca: [...tls.rootCertificates, ca], agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    const timer = setTimeout(() => {
      const e = new Error("request timed out");
      e.name = "TimeoutError";
      req.destroy(e);
    }, timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("error", reject);
    req.end(body);
  });
}

// The bundled front-end (dist/web, written by scripts/bundle.mjs at build time), held in memory
// with a gzip copy and an ETag per file. Nothing is fetched from anywhere else.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** One served file. */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Where the build puts the front-end. */
export const WEB_DIR = fileURLToPath(new URL("../dist/web/", import.meta.url));

/** Load every file of `dir` (default {@link WEB_DIR}), keyed by URL path (`/` for index.html). */
export function loadAssets(dir = WEB_DIR): Map<string, Asset> {
  const out = new Map<string, Asset>();
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    throw new Error(`the fleet page is not built (no ${dir}); run the package build`);
  }
  for (const f of files) {
    const type = TYPES[extname(f)];
    if (!type) continue;
    const body = readFileSync(join(dir, f));
    const asset = {
      type,
      body,
      gzip: gzipSync(body, { level: 9 }),
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
    };
    out.set(f === "index.html" ? "/" : `/${f}`, asset);
  }
  if (!out.has("/")) throw new Error(`the fleet page is not built (no index.html in ${dir})`);
  return out;
}

/** Total gzipped size of the assets, bytes (the page weight). */
export function pageWeight(assets: ReadonlyMap<string, Asset>): { raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  for (const a of assets.values()) {
    raw += a.body.length;
    gzip += a.gzip.length;
  }
  return { raw, gzip };
}

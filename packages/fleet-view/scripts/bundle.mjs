// Build step of the fleet page: bundle web/app.ts (with uPlot and its CSS) into dist/web with
// esbuild, copy index.html and our stylesheet, and print the page weight (gzip) as JSON.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "web");
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, "web", "app.ts")],
  outfile: join(out, "app.js"),
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022"],
  legalComments: "none",
  logLevel: "warning",
});
// esbuild writes the imported uPlot CSS next to app.js as app.css; our own styles follow it.
const ours = readFileSync(join(root, "web", "style.css"), "utf8");
writeFileSync(join(out, "app.css"), `${readFileSync(join(out, "app.css"), "utf8")}\n${ours}`);
copyFileSync(join(root, "web", "index.html"), join(out, "index.html"));
let raw = 0;
let gzip = 0;
for (const f of readdirSync(out)) {
  const body = readFileSync(join(out, f));
  raw += body.length;
  gzip += gzipSync(body, { level: 9 }).length;
}
console.log(JSON.stringify({ pageWeight: { rawBytes: raw, gzipBytes: gzip } }));

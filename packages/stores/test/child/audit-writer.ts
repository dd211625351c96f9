// Child process for audit-clean-stop.test.ts: logs in, appends events with a
// long flush interval (so they sit in the buffer), reports how many were
// acknowledged, and on SIGTERM closes the audit log and exits 0.

import { SubstrateClient } from "@hsagent/substrate-client";
import { createSubstrateAuditLog } from "../../src/index.js";

const [url, username, agentId, countText] = process.argv.slice(2);
const password = process.env.CHILD_PASSWORD ?? "";
const client = new SubstrateClient({
  baseUrl: url!,
  credentials: { username: username!, password },
  autoRegister: true,
});
await client.login();
const audit = createSubstrateAuditLog(client, agentId!, { flushIntervalMs: 60_000, maxBatchEvents: 1_000 });
const count = Number(countText);
for (let i = 0; i < count; i++) audit.append({ type: "NONCE_SEEN", detail: { i } });
process.on("SIGTERM", () => {
  audit.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
process.stdout.write(`acknowledged ${audit.stats.appended} persisted ${audit.stats.persisted}\n`);
setInterval(() => {}, 1_000);

import { defineProject } from "vitest/config";

// "source" resolves sibling @hsagent/* packages to their TypeScript sources in tests.
const conditions = ["source", "import", "module", "node", "default"];

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: { name: "fleet-view", include: ["test/**/*.test.ts"], testTimeout: 30_000 },
});

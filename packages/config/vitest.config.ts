import { defineProject } from "vitest/config";

// "source" resolves sibling @hsagent/* packages to their TypeScript sources in tests.
const conditions = ["source", "import", "module", "node", "default"];

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: { name: "config", include: ["test/**/*.test.ts"] },
});

import { defineProject } from "vitest/config";

// "source" resolves sibling @hsagent/* packages to their TypeScript sources in tests.
const conditions = ["source", "node", "default"];

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: "fleet",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Fault tests spawn real processes and kill them: run the files one after another.
    fileParallelism: false,
  },
});

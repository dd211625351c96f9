// Helpers shared by the hsagent packages' tests. Test code only: consumed as TypeScript source
// (vitest and tsc read it directly), so it needs no build step.

export { makeTestCert, type TestCert } from "./tls-cert.js";

#!/usr/bin/env node
// Launcher kept in git so that pnpm can link this bin before `pnpm build` has made dist/.
import "../dist/bin/hsagent-selftest.js";

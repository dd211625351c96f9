#!/usr/bin/env node
// Entry point of `hsagent`: oclif loads the compiled commands from dist/commands.
import { execute } from "@oclif/core";

await execute({ dir: import.meta.url });

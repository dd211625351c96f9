// Waiting for SIGINT/SIGTERM so long-running commands can stop gracefully and exit 0.

/** Resolves with the name of the first SIGINT or SIGTERM received. */
export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(sig);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

// Secret hygiene: every secret configuration loading meets (passwords, API keys, vault
// passphrases) is registered here, and everything a process prints about errors goes through
// `scrub`, so a secret echoed back by a library or a server can never reach the terminal or a log.

const secrets = new Set<string>();

/** Remember a secret so that {@link scrub} removes it from any text. Short strings are ignored. */
export function registerSecret(value: string | null | undefined): void {
  if (typeof value === "string" && value.length >= 4) {
    secrets.add(value);
    // Keys are "<username>%<hex>": the hex part alone is secret too.
    const pct = value.indexOf("%");
    if (pct > 0 && value.length - pct > 16) secrets.add(value.slice(pct + 1));
  }
}

/** Replace every registered secret in `text` by `[redacted]`. */
export function scrub(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join("[redacted]");
  }
  return out;
}

/** Register the secrets the environment may hold (called once at start of every command). */
export function registerEnvSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of ["HSAGENT_PASSWORD", "HSAGENT_API_KEY", "HSAGENT_VAULT_PASSPHRASE"]) {
    registerSecret(env[name]);
  }
}

/**
 * @hsagent/config — the one configuration loader of `hsagent` (CLI) and `hsagentd` (daemon):
 * config-file field checks, the one reading of the HSAGENT_* environment, relay settings
 * (HOST:PORT, tls://, nats://), agent-process settings (flags > env > file > defaults) and the
 * secrets registry that keeps every secret out of printed errors and logs.
 */
export { type FileConfig, loadConfigFile, parseConfigObject } from "./client-config.js";
export {
  credentialsFromEnv,
  type EnvSettings,
  envBool,
  envInt,
  type LogFormat,
  readEnvironment,
  vaultPassphraseFromEnv,
} from "./env.js";
export { ConfigError, EXIT_USAGE } from "./errors.js";
export {
  checkUrl,
  fieldError,
  HOST_RE,
  isObj,
  type Json,
  type JsonObj,
  NAME_RE,
  optBool,
  optInt,
  optObj,
  optString,
  PROTOCOL_CONSTANTS,
  type ProtocolConstant,
  parseHostPort,
  parseProtocolSection,
  readJsonFile,
  where,
} from "./fields.js";
export { natsRelaySetting, parseRelaySetting, type RelaySetting, relayTlsOptions } from "./relay-setting.js";
export { registerEnvSecrets, registerSecret, scrub } from "./secrets.js";
export {
  type AgentOptionsFromSettings,
  agentConfigFrom,
  DEFAULT_RELAY,
  DEFAULT_SUBSTRATE_URL,
  resolveSettings,
  type Settings,
  type SettingsFlags,
} from "./settings.js";

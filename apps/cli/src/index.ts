// Public API of @hsagent/cli beside the `hsagent` bin: configuration loading (flags > env >
// config file > defaults, HSAgent_2's client_config.json accepted as is) and the typed errors,
// for the daemon and for embedders that want the same rules.

export {
  credentialsFromEnv,
  DEFAULT_RELAY,
  DEFAULT_SUBSTRATE_URL,
  type FileConfig,
  type LogFormat,
  loadConfigFile,
  PROTOCOL_CONSTANTS,
  type ProtocolConstant,
  parseConfigObject,
  parseHostPort,
  resolveSettings,
  type Settings,
  type SettingsFlags,
} from "./lib/config.js";
export { describeError, type ErrorReport } from "./lib/describe-error.js";
export { CliError, ConfigError, EXIT_FAILURE, EXIT_USAGE, UsageError } from "./lib/errors.js";
export { registerSecret, scrub } from "./lib/secrets.js";

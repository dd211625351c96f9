// Public API of @hsagent/cli beside the `hsagent` bin: configuration loading (flags > env >
// config file > defaults, HSAgent_2's client_config.json accepted as is) and the typed errors,
// for embedders that want the same rules. The loader itself lives in @hsagent/config (shared with
// the daemon); these are its re-exports, kept for existing users of @hsagent/cli.

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
  registerSecret,
  resolveSettings,
  type Settings,
  type SettingsFlags,
  scrub,
} from "@hsagent/config";
export { describeError, type ErrorReport } from "./lib/describe-error.js";
export { CliError, ConfigError, EXIT_FAILURE, EXIT_USAGE, UsageError } from "./lib/errors.js";

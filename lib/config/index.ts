export { type Config, DEFAULTS } from "./defaults.ts";
export { ConfigError, type LoadOptions, loadConfig, parseConfigText } from "./load.ts";

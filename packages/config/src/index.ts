export { ConfigError, type ConfigIssue } from './config-error';
export { loadConfig, type Env, type EnvReader, type LoadedConfig } from './env-reader';
export { parseBytes, parseDurationMs } from './units';

export { ConfigError, type ConfigIssue } from './config-error';
export { loadConfig, loadConfigOrExit, type Env, type EnvReader, type LoadedConfig } from './env-reader';
export { parseBytes, parseDurationMs } from './units';

import { ConfigError, type ConfigIssue } from './config-error';
import { parseBytes, parseDurationMs, type Parsed } from './units';

export type Env = Readonly<Record<string, string | undefined>>;

interface Bounds {
  min?: number;
  max?: number;
}

/**
 * Typed readers over an environment. Each reader returns a value of its type (the default, or a
 * placeholder when the value is bad) and records any problem; `loadConfig` throws one ConfigError
 * naming every bad variable after the whole configuration has been read.
 */
export interface EnvReader {
  string(name: string, options?: { default?: string }): string;
  optionalString(name: string): string | undefined;
  int(name: string, options: { default: number } & Bounds): number;
  port(name: string, options: { default: number }): number;
  boolean(name: string, options: { default: boolean }): boolean;
  oneOf<const T extends string>(name: string, choices: readonly T[], options: { default: T }): T;
  /** A size such as `64MiB`; the result is in bytes. */
  bytes(name: string, options: { default: string | number } & Bounds): number;
  /** A duration such as `30s`; the result is in milliseconds. */
  durationMs(name: string, options: { default: string | number } & Bounds): number;
  /** A comma-separated list; blanks are dropped. */
  list(name: string, options?: { default?: readonly string[] }): string[];
  /** A URL with one of the given schemes (`nats:`, `http:` …). */
  url(name: string, options: { default: string; schemes: readonly string[] }): string;
}

export interface LoadedConfig<T> {
  config: T;
  /** Variables with one of the `prefixes` that nothing read: usually a typo worth a warning. */
  unknownVariables: string[];
}

/**
 * Reads a configuration with `read` and throws a ConfigError listing every problem at once.
 *
 *   const { config } = loadConfig(process.env, (env) => ({ port: env.port('GATEWAY_MQTT_PORT', { default: 1883 }) }));
 */
export function loadConfig<T>(
  env: Env,
  read: (reader: EnvReader) => T,
  options: { prefixes?: readonly string[] } = {},
): LoadedConfig<T> {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  const reader = createEnvReader(env, issues, seen);
  const config = read(reader);
  if (issues.length > 0) throw new ConfigError(issues);
  const prefixes = options.prefixes ?? [];
  const unknownVariables = Object.keys(env)
    .filter((k) => prefixes.some((p) => k.startsWith(p)) && !seen.has(k))
    .sort();
  return { config, unknownVariables };
}

function createEnvReader(env: Env, issues: ConfigIssue[], seen: Set<string>): EnvReader {
  /** The trimmed value, or undefined when unset or blank (blank means "use the default"). */
  const raw = (name: string): string | undefined => {
    seen.add(name);
    const v = env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  };
  const fail = <T>(name: string, value: string | undefined, problem: string, placeholder: T): T => {
    issues.push({ variable: name, value, problem });
    return placeholder;
  };
  const bounded = (
    name: string,
    value: string,
    n: number,
    b: Bounds,
    show: (n: number) => string,
  ): number => {
    if (b.min !== undefined && n < b.min) return fail(name, value, `must be at least ${show(b.min)}`, b.min);
    if (b.max !== undefined && n > b.max) return fail(name, value, `must be at most ${show(b.max)}`, b.max);
    return n;
  };
  const quantity = (
    name: string,
    parse: (s: string) => Parsed<number>,
    def: string | number,
    b: Bounds,
    unit: string,
  ): number => {
    const v = raw(name);
    const source = v ?? String(def);
    const parsed =
      typeof def === 'number' && v === undefined ? { ok: true as const, value: def } : parse(source);
    if (!parsed.ok) return fail(name, v, parsed.problem, 0);
    return bounded(name, source, parsed.value, b, (n) => `${n} ${unit}`);
  };

  return {
    string(name, options = {}) {
      const v = raw(name);
      if (v !== undefined) return v;
      if (options.default !== undefined) return options.default;
      return fail(name, undefined, 'is required', '');
    },
    optionalString(name) {
      return raw(name);
    },
    int(name, options) {
      const v = raw(name);
      if (v === undefined) return options.default;
      if (!/^-?\d+$/.test(v)) return fail(name, v, 'must be a whole number', options.default);
      return bounded(name, v, Number(v), options, String);
    },
    port(name, options) {
      const v = raw(name);
      if (v === undefined) return options.default;
      if (!/^\d+$/.test(v) || Number(v) > 65535) {
        return fail(
          name,
          v,
          'must be a TCP port from 0 to 65535 (0 lets the kernel choose)',
          options.default,
        );
      }
      return Number(v);
    },
    boolean(name, options) {
      const v = raw(name);
      if (v === undefined) return options.default;
      const l = v.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(l)) return true;
      if (['false', '0', 'no', 'off'].includes(l)) return false;
      return fail(name, v, 'must be true or false', options.default);
    },
    oneOf(name, choices, options) {
      const v = raw(name);
      if (v === undefined) return options.default;
      const match = choices.find((c) => c === v.toLowerCase());
      return match ?? fail(name, v, `must be one of ${choices.join(', ')}`, options.default);
    },
    bytes(name, options) {
      return quantity(name, parseBytes, options.default, options, 'bytes');
    },
    durationMs(name, options) {
      return quantity(name, parseDurationMs, options.default, options, 'ms');
    },
    list(name, options = {}) {
      const v = raw(name);
      if (v === undefined) return [...(options.default ?? [])];
      return v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    },
    url(name, options) {
      const v = raw(name) ?? options.default;
      // Several comma-separated URLs are allowed (NATS takes a list of seed servers).
      for (const part of v.split(',')) {
        let parsed: URL;
        try {
          parsed = new URL(part.trim());
        } catch {
          return fail(name, v, `not a URL: ${part.trim()}`, options.default);
        }
        if (!options.schemes.includes(parsed.protocol.replace(/:$/, ''))) {
          return fail(name, v, `scheme must be one of ${options.schemes.join(', ')}`, options.default);
        }
      }
      return v;
    },
  };
}

/**
 * For a service's `main.ts` only: runs `load`, and on a ConfigError writes its message (every bad variable)
 * to stderr and exits with code 2, the conventional "bad usage" exit a supervisor will not retry blindly.
 */
export function loadConfigOrExit<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** One problem with one environment variable. */
export interface ConfigIssue {
  variable: string;
  /** The raw value as given, or undefined when the variable was missing. */
  value: string | undefined;
  problem: string;
}

/**
 * Thrown once at start-up, listing every bad variable, so an operator fixes the whole
 * configuration in one round instead of one variable per restart.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map(
      (i) => `  ${i.variable}${i.value === undefined ? '' : `=${JSON.stringify(i.value)}`}: ${i.problem}`,
    );
    super(
      `invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

import { readFileSync } from 'node:fs';
import { ConfigError } from '@starling/config';
import { covers, matches, validateTopicFilter } from '@starling/mqtt-topic';

/**
 * Topic authorization: which topics a client may publish to and which filters it may subscribe to, from an
 * ACL file (`GATEWAY_ACL_FILE`). One rule per line, `#` starts a comment:
 *
 *     <who> <action> <filter>
 *     user:alice  all        devices/alice/#
 *     all         subscribe  announcements/#
 *     all         publish    devices/%c/telemetry
 *
 * - who: `user:<name>` (a client that proved it is <name>: with its password, or with its client certificate
 *   under GATEWAY_TLS_IDENTITY=cn), `anonymous` (a client without a verified user name) or `all`;
 * - action: `publish`, `subscribe` or `all`;
 * - filter: an MQTT topic filter. A level that is exactly `%u` stands for the client's user name, `%c` for its
 *   client id; a rule whose value is missing or holds `/`, `+` or `#` (or, as the first level, starts with `$`)
 *   does not apply to that client.
 *
 * Rules only allow, and their order does not matter. With a file, whatever no rule allows is refused: a
 * PUBLISH whose topic no `publish` rule's filter matches, a subscription whose filter no `subscribe` rule's
 * filter covers (matches every topic it matches: `telemetry/#` covers `telemetry/+/temp`, not the reverse).
 * Without a file, every client that may connect may publish and subscribe to anything.
 */
export interface ClientAccess {
  canPublish(topic: string): boolean;
  canSubscribe(filter: string): boolean;
}

/** No ACL file: everything is allowed. */
export const FULL_ACCESS: ClientAccess = { canPublish: () => true, canSubscribe: () => true };
/** Before CONNECT is accepted: nothing is. */
export const NO_ACCESS: ClientAccess = { canPublish: () => false, canSubscribe: () => false };

export type AclWho =
  | { readonly kind: 'user'; readonly name: string }
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'all' };

export interface AclRule {
  readonly who: AclWho;
  readonly publish: boolean;
  readonly subscribe: boolean;
  readonly filter: string;
  /** Line in the file, for messages. */
  readonly line: number;
}

export class AclFileError extends Error {
  readonly code = 'GATEWAY_ACL_FILE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'AclFileError';
  }
}

const ACTIONS: Record<string, { publish: boolean; subscribe: boolean }> = {
  publish: { publish: true, subscribe: false },
  subscribe: { publish: false, subscribe: true },
  all: { publish: true, subscribe: true },
};

/** Parses an ACL file's text. Throws AclFileError naming the first bad line and what is wrong with it. */
export function parseAclFile(text: string): AclRule[] {
  const rules: AclRule[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fail = (why: string): never => {
      throw new AclFileError(`ACL file line ${i + 1}: ${why}`);
    };
    const fields = line.split(/\s+/);
    if (fields.length !== 3) fail('expected <who> <action> <filter>');
    const [whoText, actionText, filter] = fields as [string, string, string];
    let who: AclWho;
    if (whoText === 'all') who = { kind: 'all' };
    else if (whoText === 'anonymous') who = { kind: 'anonymous' };
    else if (whoText.startsWith('user:') && whoText.length > 'user:'.length)
      who = { kind: 'user', name: whoText.slice('user:'.length) };
    else who = fail(`who must be user:<name>, anonymous or all, not ${JSON.stringify(whoText)}`);
    const action = ACTIONS[actionText];
    if (action === undefined)
      fail(`action must be publish, subscribe or all, not ${JSON.stringify(actionText)}`);
    const check = validateTopicFilter(filter);
    if (!check.ok) fail(`${JSON.stringify(filter)} is not a valid topic filter (${check.reason})`);
    if (who.kind === 'anonymous' && filter.split('/').includes('%u')) {
      fail('%u in a rule for anonymous clients never applies: they have no user name');
    }
    rules.push({ who, ...action!, filter, line: i + 1 });
  }
  return rules;
}

/**
 * The rules of `GATEWAY_ACL_FILE`; undefined when it is empty. A file that cannot be read or parsed is a
 * ConfigError naming the variable, the file and the line: it stops the gateway at start like any bad setting.
 */
export function readAclRules(path: string): AclRule[] | undefined {
  return readAclFile(path)?.rules;
}

/** As `readAclRules`, with the text the rules were parsed from (a reload compares it). */
export function readAclFile(path: string): { rules: AclRule[]; text: string } | undefined {
  if (path === '') return undefined;
  const problem = (text: string): ConfigError =>
    new ConfigError([{ variable: 'GATEWAY_ACL_FILE', value: path, problem: text }]);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw problem(`cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return { rules: parseAclFile(text), text };
  } catch (err) {
    throw err instanceof AclFileError ? problem(err.message) : err;
  }
}

/** A placeholder's value can stand for one level only: no separator, no wildcard, not empty. */
function usableLevel(value: string | undefined): value is string {
  return (
    value !== undefined &&
    value !== '' &&
    !value.includes('/') &&
    !value.includes('+') &&
    !value.includes('#') &&
    !value.includes('\u0000')
  );
}

/**
 * The rules of one file; `forClient` gives each connection its own view, at CONNECT and again after `replace`
 * (a reloaded file).
 */
export class AccessControl {
  constructor(private rules: readonly AclRule[]) {}

  replace(rules: readonly AclRule[]): void {
    this.rules = rules;
  }

  get ruleCount(): number {
    return this.rules.length;
  }

  /** `user` is the user name the client authenticated with (verified), absent for anonymous clients. */
  forClient(client: { readonly user?: string | undefined; readonly clientId: string }): ClientAccess {
    const publish: string[] = [];
    const subscribe: string[] = [];
    for (const rule of this.rules) {
      const who = rule.who;
      if (
        who.kind === 'user' ? who.name !== client.user : who.kind === 'anonymous' && client.user !== undefined
      )
        continue;
      const filter = resolve(rule.filter, client);
      if (filter === undefined) continue;
      if (rule.publish) publish.push(filter);
      if (rule.subscribe) subscribe.push(filter);
    }
    if (publish.length === 0 && subscribe.length === 0) return NO_ACCESS;
    return {
      canPublish: (topic) => publish.some((filter) => matches(filter, topic)),
      canSubscribe: (filter) => subscribe.some((allowed) => covers(allowed, filter)),
    };
  }
}

/** The rule's filter for this client, or undefined when a placeholder has no usable value. */
function resolve(
  filter: string,
  client: { readonly user?: string | undefined; readonly clientId: string },
): string | undefined {
  if (!filter.includes('%')) return filter;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level !== '%u' && level !== '%c') continue;
    const value = level === '%u' ? client.user : client.clientId;
    // A first level starting with `$` would reach the server's own topics (`%c/#` for a client named `$SYS`).
    if (!usableLevel(value) || (i === 0 && value.startsWith('$'))) return undefined;
    levels[i] = value;
  }
  return levels.join('/');
}

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/**
 * Who may connect. Anonymous clients (no user name) only when `allowAnonymous`; password users come from a
 * file of `username:scrypt$<saltHex>$<hashHex>` lines (scrypt with node's defaults: N=16384, r=8, p=1; the
 * key length is the hash's). Passwords are never logged and compared in constant time.
 */
export type AuthOutcome =
  /** `user`: the user name, when the password proved it (absent for anonymous clients and bare labels). */
  | { readonly status: 'ok'; readonly user?: string }
  /** CONNACK 0x04: bad user name or password. */
  | {
      readonly status: 'bad-credentials';
      readonly reason: 'unknown-user' | 'bad-password' | 'no-password' | 'certificate-user-mismatch';
    }
  /** CONNACK 0x05: not authorized. */
  | { readonly status: 'not-authorized'; readonly reason: 'anonymous' | 'password-without-user' };

export interface Authenticator {
  authenticate(credentials: { username?: string; password?: Buffer }): Promise<AuthOutcome>;
  readonly userCount: number;
  /** Is this user in the password file in force? */
  hasUser(username: string): boolean;
  /** A reloaded password file: the next CONNECTs are checked against it. */
  replaceUsers(users: ReadonlyMap<string, PasswordEntry>): void;
}

export interface PasswordEntry {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

export class AuthFileError extends Error {
  readonly code = 'GATEWAY_AUTH_FILE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'AuthFileError';
  }
}

/** Parses an auth file's text; blank lines and `#` comments are skipped. Throws AuthFileError naming the line. */
export function parseAuthFile(text: string): Map<string, PasswordEntry> {
  const users = new Map<string, PasswordEntry>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.lastIndexOf(':');
    const username = line.slice(0, colon);
    const parts = line.slice(colon + 1).split('$');
    const [scheme, saltHex, hashHex] = parts;
    if (
      colon <= 0 ||
      parts.length !== 3 ||
      scheme !== 'scrypt' ||
      !isHex(saltHex) ||
      !isHex(hashHex) ||
      hashHex.length < 32
    ) {
      throw new AuthFileError(`auth file line ${i + 1}: expected username:scrypt$<saltHex>$<hashHex>`);
    }
    users.set(username, { salt: Buffer.from(saltHex, 'hex'), hash: Buffer.from(hashHex, 'hex') });
  }
  return users;
}

function isHex(value: string | undefined): value is string {
  return value !== undefined && value.length > 0 && value.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(value);
}

/** A password file's users (none for an empty path), with the text they came from (a reload compares it). */
export async function readAuthFile(
  path: string,
): Promise<{ users: Map<string, PasswordEntry>; text: string }> {
  if (path === '') return { users: new Map(), text: '' };
  const text = await readFile(path, 'utf8');
  return { users: parseAuthFile(text), text };
}

function scryptAsync(password: Buffer, salt: Buffer, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A line for the auth file (the `starling` CLI and tests use it). */
export async function hashPasswordLine(username: string, password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(Buffer.from(password, 'utf8'), salt, 32);
  return `${username}:scrypt$${salt.toString('hex')}$${hash.toString('hex')}`;
}

// Unknown users cost as much as known ones: no user-name probing by timing.
const DECOY: PasswordEntry = { salt: Buffer.alloc(16, 7), hash: Buffer.alloc(32, 7) };

export function createAuthenticator(options: {
  allowAnonymous: boolean;
  users: ReadonlyMap<string, PasswordEntry>;
}): Authenticator {
  const { allowAnonymous } = options;
  let users = options.users;
  return {
    get userCount() {
      return users.size;
    },
    hasUser: (username) => users.has(username),
    replaceUsers(next) {
      users = next;
    },
    async authenticate({ username, password }) {
      if (username === undefined) {
        // [MQTT-3.1.2-22] a password without a user name is refused at validation already.
        if (password !== undefined) return { status: 'not-authorized', reason: 'password-without-user' };
        return allowAnonymous ? { status: 'ok' } : { status: 'not-authorized', reason: 'anonymous' };
      }
      // With no password users at all, a user name is only a label: the anonymous rule decides.
      if (users.size === 0) {
        return allowAnonymous ? { status: 'ok' } : { status: 'not-authorized', reason: 'anonymous' };
      }
      const entry = users.get(username);
      const candidate = password ?? Buffer.alloc(0);
      const expected = entry ?? DECOY;
      const derived = await scryptAsync(candidate, expected.salt, expected.hash.length);
      const match = timingSafeEqual(derived, expected.hash);
      if (entry === undefined) return { status: 'bad-credentials', reason: 'unknown-user' };
      if (password === undefined) return { status: 'bad-credentials', reason: 'no-password' };
      return match ? { status: 'ok', user: username } : { status: 'bad-credentials', reason: 'bad-password' };
    },
  };
}

// The password-file CLI, run as a real process against the built gateway: its line is accepted by the gateway's
// own parser and authenticator, and bad invocations fail with exit code 2 and a reason.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { workspaceRoot } from '@starling/test-harness';
import { createAuthenticator, parseAuthFile } from '../../src/auth';

const cli = join(workspaceRoot(), 'apps', 'gateway', 'dist', 'passwd.js');
const runCli = (args: string[], input: string) =>
  spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', timeout: 20_000 });

test('prints a password-file line the gateway accepts for that password only', async () => {
  const result = runCli(['alice'], 'wonder land\nignored second line\n');
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  expect(result.stdout).toMatch(/^alice:scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}\n$/);
  const auth = createAuthenticator({ allowAnonymous: false, users: parseAuthFile(result.stdout) });
  await expect(
    auth.authenticate({ username: 'alice', password: Buffer.from('wonder land') }),
  ).resolves.toEqual({
    status: 'ok',
    user: 'alice',
  });
  await expect(
    auth.authenticate({ username: 'alice', password: Buffer.from('wonder') }),
  ).resolves.toMatchObject({
    status: 'bad-credentials',
  });
});

test('refuses a missing or malformed user name and an empty password with exit code 2', () => {
  for (const [args, input, reason] of [
    [[], 'x\n', /usage: passwd <username>/],
    [['a:b'], 'x\n', /without ":"/],
    [['bob'], '\n', /empty password/],
  ] as const) {
    const result = runCli([...args], input);
    expect([args, result.status]).toEqual([args, 2]);
    expect(result.stderr).toMatch(reason);
    expect(result.stdout).toBe('');
  }
});

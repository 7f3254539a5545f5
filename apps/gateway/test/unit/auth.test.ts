import { AuthFileError, createAuthenticator, hashPasswordLine, parseAuthFile } from '../../src/auth';

describe('auth', () => {
  test('parses username:scrypt$salt$hash lines, skipping comments and blanks', async () => {
    const line = await hashPasswordLine('alice', 'secret');
    const users = parseAuthFile(`# comment\n\n${line}\n`);
    expect([...users.keys()]).toEqual(['alice']);
  });

  test('names the bad line of an auth file', () => {
    expect(() => parseAuthFile('ok:scrypt$00$00\nbad line\n')).toThrow(AuthFileError);
    expect(() => parseAuthFile('bob:plain$x$y')).toThrow(/line 1/);
  });

  test('checks passwords; unknown users and wrong passwords are bad credentials (0x04)', async () => {
    const users = parseAuthFile(await hashPasswordLine('alice', 'secret'));
    const auth = createAuthenticator({ allowAnonymous: false, users });
    // The verified user name goes with the outcome: the ACL's user rules key on it.
    expect(await auth.authenticate({ username: 'alice', password: Buffer.from('secret') })).toEqual({
      status: 'ok',
      user: 'alice',
    });
    expect(await auth.authenticate({ username: 'alice', password: Buffer.from('nope') })).toMatchObject({
      status: 'bad-credentials',
      reason: 'bad-password',
    });
    expect(await auth.authenticate({ username: 'alice' })).toMatchObject({ status: 'bad-credentials' });
    expect(await auth.authenticate({ username: 'eve', password: Buffer.from('secret') })).toMatchObject({
      status: 'bad-credentials',
      reason: 'unknown-user',
    });
  });

  test('anonymous clients are refused (0x05) unless allowed', async () => {
    const users = new Map();
    expect(await createAuthenticator({ allowAnonymous: false, users }).authenticate({})).toMatchObject({
      status: 'not-authorized',
      reason: 'anonymous',
    });
    expect(await createAuthenticator({ allowAnonymous: true, users }).authenticate({})).toEqual({
      status: 'ok',
    });
    // Without password users a user name proves nothing: the client stays anonymous (no `user`).
    const labelled = await createAuthenticator({ allowAnonymous: true, users }).authenticate({
      username: 'admin',
    });
    expect(labelled).toEqual({ status: 'ok' });
  });
});

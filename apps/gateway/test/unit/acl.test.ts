import { AccessControl, AclFileError, NO_ACCESS, parseAclFile } from '../../src/acl';

const FILE = `
# who          action     filter
user:alice     all        devices/alice/#
user:alice     subscribe  telemetry/#
all            subscribe  announcements/#
all            publish    devices/%c/telemetry
user:carol     publish    users/%u/#
anonymous      subscribe  public/+
`;

describe('ACL file', () => {
  test('parses who, action and filter of every rule, skipping comments and blank lines', () => {
    const rules = parseAclFile(FILE);
    expect(rules.map((r) => [r.who, r.publish, r.subscribe, r.filter, r.line])).toEqual([
      [{ kind: 'user', name: 'alice' }, true, true, 'devices/alice/#', 3],
      [{ kind: 'user', name: 'alice' }, false, true, 'telemetry/#', 4],
      [{ kind: 'all' }, false, true, 'announcements/#', 5],
      [{ kind: 'all' }, true, false, 'devices/%c/telemetry', 6],
      [{ kind: 'user', name: 'carol' }, true, false, 'users/%u/#', 7],
      [{ kind: 'anonymous' }, false, true, 'public/+', 8],
    ]);
  });

  test.each([
    ['user:alice all', 'line 2: expected <who> <action> <filter>'],
    ['user:alice all a b', 'line 2: expected <who> <action> <filter>'],
    ['user: all a', 'line 2: who must be user:<name>, anonymous or all, not "user:"'],
    ['everyone all a', 'line 2: who must be user:<name>, anonymous or all, not "everyone"'],
    ['all read a', 'line 2: action must be publish, subscribe or all, not "read"'],
    ['all all a/#/b', 'line 2: "a/#/b" is not a valid topic filter'],
    ['all all a+', 'line 2: "a+" is not a valid topic filter'],
    ['anonymous all u/%u', 'line 2: %u in a rule for anonymous clients never applies'],
  ])('refuses %j, naming the line and the problem', (line, message) => {
    expect(() => parseAclFile(`# header\n${line}\n`)).toThrow(AclFileError);
    expect(() => parseAclFile(`# header\n${line}\n`)).toThrow(message);
  });
});

describe('AccessControl', () => {
  const acl = new AccessControl(parseAclFile(FILE));

  test("a user's rules, and the rules for all, apply to a client authenticated as that user", () => {
    const alice = acl.forClient({ user: 'alice', clientId: 'phone' });
    expect(alice.canPublish('devices/alice/temp')).toBe(true);
    expect(alice.canPublish('devices/alice')).toBe(true); // `#` includes the parent level
    expect(alice.canPublish('devices/bob/temp')).toBe(false);
    expect(alice.canPublish('telemetry/x')).toBe(false); // subscribe only
    expect(alice.canPublish('devices/phone/telemetry')).toBe(true); // all: %c
    expect(alice.canSubscribe('telemetry/+/temp')).toBe(true);
    expect(alice.canSubscribe('telemetry/#')).toBe(true);
    expect(alice.canSubscribe('#')).toBe(false);
    expect(alice.canSubscribe('announcements/today')).toBe(true);
    expect(alice.canSubscribe('public/x')).toBe(false); // anonymous only
  });

  test('another user gets only the rules for all', () => {
    const bob = acl.forClient({ user: 'bob', clientId: 'b1' });
    expect(bob.canPublish('devices/alice/temp')).toBe(false);
    expect(bob.canPublish('devices/b1/telemetry')).toBe(true);
    expect(bob.canSubscribe('announcements/#')).toBe(true);
    expect(bob.canSubscribe('telemetry/#')).toBe(false);
  });

  test('%u stands for the authenticated user name, as a whole level', () => {
    const carol = acl.forClient({ user: 'carol', clientId: 'c' });
    expect(carol.canPublish('users/carol/inbox')).toBe(true);
    expect(carol.canPublish('users/dave/inbox')).toBe(false);
  });

  test('an anonymous client gets the rules for anonymous and for all, and no %u rule', () => {
    const anonymous = acl.forClient({ clientId: 'a1' });
    expect(anonymous.canSubscribe('public/news')).toBe(true);
    expect(anonymous.canSubscribe('public/#')).toBe(false); // public/+ does not cover public/a/b
    expect(anonymous.canPublish('devices/a1/telemetry')).toBe(true);
    expect(anonymous.canPublish('users/undefined/x')).toBe(false);
  });

  test.each(['a/b', 'a+', '#', ''])(
    'a client id %j cannot widen a %%c rule: the rule does not apply',
    (id) => {
      const client = acl.forClient({ user: 'bob', clientId: id });
      expect(client.canPublish(`devices/${id}/telemetry`)).toBe(false);
      expect(client.canPublish('devices/x/telemetry')).toBe(false);
    },
  );

  test('a placeholder as the first level takes no value starting with $', () => {
    const own = new AccessControl(parseAclFile('all all %c/#'));
    expect(own.forClient({ clientId: 'box' }).canSubscribe('box/#')).toBe(true);
    expect(own.forClient({ clientId: '$SYS' })).toBe(NO_ACCESS);
  });

  test('a client no rule applies to may do nothing', () => {
    const none = new AccessControl(parseAclFile('user:alice all #')).forClient({
      user: 'bob',
      clientId: 'x',
    });
    expect(none).toBe(NO_ACCESS);
    expect(none.canPublish('a')).toBe(false);
    expect(none.canSubscribe('a')).toBe(false);
  });
});

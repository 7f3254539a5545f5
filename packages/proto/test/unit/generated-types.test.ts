import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as script from '../../scripts/generated-types';
import { listProtoFiles, protoDir } from '../../src';

describe('generated types', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'starling-proto-test-'));
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('committed src/generated is byte-identical to a fresh generation (run `pnpm gen` when this fails)', () => {
    const fresh = path.join(tmp, 'generated');
    script.generateInto(fresh);
    const expected = script.readTree(fresh);
    const committed = script.readTree(script.generatedDir);

    expect([...committed.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [file, bytes] of expected) {
      expect({ file, equal: committed.get(file)?.equals(bytes) }).toEqual({ file, equal: true });
    }
    expect(script.diffTrees(expected, committed)).toEqual([]);
  });

  test('the generator and the runtime loader read the same proto files', () => {
    expect(script.protoDir).toBe(protoDir);
    expect(script.listProtoFiles()).toEqual(listProtoFiles());
    expect(listProtoFiles()).toEqual(
      expect.arrayContaining([
        'grpc/health/v1/health.proto',
        'starling/events/v1/events.proto',
        'starling/messaging/v1/messaging.proto',
        'starling/store/v1/store.proto',
      ]),
    );
  });

  test('every generated type has a clean-name export in src/types.ts', () => {
    const types = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'types.ts'), 'utf8');
    const generatedFiles = [...script.readTree(script.generatedDir).keys()].filter((file) =>
      file.includes('/'),
    );
    const missing = generatedFiles
      .map((file) => `'./generated/${file.replace(/\.ts$/, '')}'`)
      .filter((specifier) => !types.includes(specifier));
    expect(missing).toEqual([]);
  });

  test('diffTrees reports missing, extra and changed files', () => {
    const a = new Map([
      ['same.ts', Buffer.from('x')],
      ['changed.ts', Buffer.from('1')],
      ['missing.ts', Buffer.from('m')],
    ]);
    const b = new Map([
      ['same.ts', Buffer.from('x')],
      ['changed.ts', Buffer.from('2')],
      ['extra.ts', Buffer.from('e')],
    ]);
    expect(script.diffTrees(a, b)).toEqual(['changed: changed.ts', 'extra: extra.ts', 'missing: missing.ts']);
  });
});

// deploy/ is the chart rendered for people who do not use Helm: it must never drift from helm/starling.
import { mkdtempSync, readdirSync, readFileSync, rmSync, cpSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helmBin, root, run } from './support/tools';

function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === 'README.md') continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path.slice(dir.length + 1), readFileSync(path, 'utf8'));
  }
  return files;
}

test('deploy/ equals a fresh render of helm/starling (run `bash scripts/render-deploy` after changing the chart)', () => {
  // Render into a scratch copy of the repository's relevant parts, then compare file by file.
  const scratch = mkdtempSync(join(tmpdir(), 'starling-deploy-'));
  try {
    for (const part of ['helm', 'scripts'])
      cpSync(join(root, part), join(scratch, part), { recursive: true });
    mkdirSync(join(scratch, 'deploy'));
    const result = run('bash', [join(scratch, 'scripts', 'render-deploy')], undefined, {
      HELM_BIN: helmBin(),
    });
    expect({ status: result.status, stderr: result.stderr }).toMatchObject({ status: 0 });
    const expected = filesUnder(join(scratch, 'deploy'));
    const actual = filesUnder(join(root, 'deploy'));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, text] of expected) expect([name, actual.get(name)]).toEqual([name, text]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

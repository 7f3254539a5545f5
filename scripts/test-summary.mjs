#!/usr/bin/env node
// Sums every test report in the workspace into one line: `N passed, M failed`.
//
// Each package's `test` script writes jest's JSON report to `<package>/reports/jest.json`. Other test
// runners (helm checks, promtool) write `<package or dir>/reports/*.summary.json` as
// `{ "passed": N, "failed": M }`. A package that has a `test` script but wrote no report since
// `--reset` counts as one failure: a runner that crashed before reporting must not read as green.
//
//   node scripts/test-summary.mjs --reset   forget earlier reports (run before the tests)
//   node scripts/test-summary.mjs           print the line; exit 1 if anything failed
import { readFileSync, readdirSync, rmSync, existsSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function workspacePackages() {
  const dirs = [];
  for (const group of ['apps', 'packages', 'tests']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const dir = join(base, name);
      if (existsSync(join(dir, 'package.json'))) dirs.push(dir);
    }
  }
  // Checks outside the workspace packages (helm/, deploy/) report here too.
  for (const extra of ['helm', 'deploy', 'test']) {
    const dir = join(root, extra);
    if (existsSync(dir) && statSync(dir).isDirectory()) dirs.push(dir);
  }
  return dirs;
}

if (process.argv.includes('--reset')) {
  for (const dir of workspacePackages()) rmSync(join(dir, 'reports'), { recursive: true, force: true });
  process.exit(0);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
for (const dir of workspacePackages()) {
  const name = relative(root, dir);
  const reports = join(dir, 'reports');
  const pkgFile = join(dir, 'package.json');
  const hasTestScript =
    existsSync(pkgFile) && Boolean(JSON.parse(readFileSync(pkgFile, 'utf8')).scripts?.test);
  const files = existsSync(reports) ? readdirSync(reports) : [];
  if (hasTestScript && !files.includes('jest.json')) {
    failed += 1;
    problems.push(`${name}: no jest report (the test run crashed or did not start)`);
  }
  for (const file of files) {
    const path = join(reports, file);
    if (file === 'jest.json') {
      const r = JSON.parse(readFileSync(path, 'utf8'));
      passed += r.numPassedTests;
      failed += r.numFailedTests;
      skipped += r.numPendingTests + (r.numTodoTests ?? 0);
      // A suite that failed to load (syntax error, throw at import) has no tests to count: count it once.
      const brokenSuites = r.testResults.filter(
        (s) => s.status === 'failed' && s.assertionResults.length === 0,
      );
      failed += brokenSuites.length;
      for (const s of brokenSuites) problems.push(`${relative(root, s.name)}: suite failed to run`);
      if (r.numTotalTests === 0 && r.numTotalTestSuites === 0) problems.push(`${name}: jest ran no test`);
    } else if (file.endsWith('.summary.json')) {
      const r = JSON.parse(readFileSync(path, 'utf8'));
      passed += r.passed;
      failed += r.failed;
      for (const p of r.problems ?? []) problems.push(`${name}: ${p}`);
    }
  }
}
for (const p of problems) console.log(`  ! ${p}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

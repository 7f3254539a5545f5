// Shared jest configuration: every package's jest.config.js is `module.exports = require('../../jest.preset.js')(__dirname)`.
// TypeScript is transformed by swc (no type checking here: `pnpm typecheck` does that), which keeps test start-up fast.
const path = require('node:path');
const fs = require('node:fs');

module.exports = function jestConfig(packageDir, overrides = {}) {
  // `jest --outputFile=reports/jest.json` does not create the folder, and the root test script removes
  // every package's reports/ before a run.
  fs.mkdirSync(path.join(packageDir, 'reports'), { recursive: true });
  return {
    rootDir: packageDir,
    displayName: path.basename(packageDir),
    testEnvironment: 'node',
    roots: ['<rootDir>/test'],
    testMatch: ['**/*.test.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'commonjs' },
          sourceMaps: 'inline',
        },
      ],
    },
    testTimeout: 30_000,
    ...overrides,
  };
};

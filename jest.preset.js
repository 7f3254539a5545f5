// Shared jest configuration: every package's jest.config.js is `module.exports = require('../../jest.preset.js')(__dirname)`.
// TypeScript is transformed by swc (no type checking here: `pnpm typecheck` does that), which keeps test start-up fast.
const path = require('node:path');

module.exports = function jestConfig(packageDir, overrides = {}) {
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

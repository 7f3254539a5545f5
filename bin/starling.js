#!/usr/bin/env node
// The image's entrypoint (ADR 0005): `node /app/bin/starling.js <service>` runs one service in THIS process, so
// Node stays PID 1 and the service's own SIGTERM/SIGINT handlers see the signals (no shell, no child process).
'use strict';

const { existsSync } = require('node:fs');
const path = require('node:path');

const SERVICES = ['store', 'notifier', 'gateway', 'standalone'];
/** Tools beside the services: name → [app, file in its dist]. */
const TOOLS = { passwd: ['gateway', 'passwd.js'] };
const root = path.resolve(__dirname, '..');

/**
 * Where a service's `dist/main.js` is: in the image, `/app` is `pnpm deploy` of @starling/standalone (its own
 * dist, the other three apps under node_modules/@starling); in the repository, `apps/<service>/dist`.
 */
function entryOf(name) {
  const [app, file] = Object.hasOwn(TOOLS, name) ? TOOLS[name] : [name, 'main.js'];
  const candidates = [
    app === 'standalone'
      ? path.join(root, 'dist', file)
      : path.join(root, 'node_modules', '@starling', app, 'dist', file),
    path.join(root, 'apps', app, 'dist', file),
  ];
  return candidates.find((candidate) => existsSync(candidate));
}

const name = process.argv[2];
if (name === undefined || !(SERVICES.includes(name) || Object.hasOwn(TOOLS, name))) {
  process.stderr.write(
    `usage: starling <${SERVICES.join('|')}>\n` +
      '       starling passwd <username>   (a line for the gateway password file; password on stdin)\n' +
      (name === undefined ? '' : `starling: unknown service ${JSON.stringify(name)}\n`) +
      'Each service is configured by environment variables (see apps/<service>/README.md).\n',
  );
  process.exit(2);
}
const entry = entryOf(name);
if (entry === undefined) {
  process.stderr.write(
    `starling: ${name} is not built (no dist/${Object.hasOwn(TOOLS, name) ? TOOLS[name][1] : 'main.js'})\n`,
  );
  process.exit(1);
}
// The service or tool sees its own arguments from argv[2] on, as when it is run directly.
process.argv.splice(2, 1);
require(entry);

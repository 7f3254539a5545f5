#!/usr/bin/env node
// The image's entrypoint (ADR 0005): `node /app/bin/starling.js <service>` runs one service in THIS process, so
// Node stays PID 1 and the service's own SIGTERM/SIGINT handlers see the signals (no shell, no child process).
'use strict';

const { existsSync } = require('node:fs');
const path = require('node:path');

const SERVICES = ['store', 'notifier', 'gateway', 'standalone'];
const root = path.resolve(__dirname, '..');

/**
 * Where a service's `dist/main.js` is: in the image, `/app` is `pnpm deploy` of @starling/standalone (its own
 * dist, the other three apps under node_modules/@starling); in the repository, `apps/<service>/dist`.
 */
function entryOf(service) {
  const candidates = [
    service === 'standalone'
      ? path.join(root, 'dist', 'main.js')
      : path.join(root, 'node_modules', '@starling', service, 'dist', 'main.js'),
    path.join(root, 'apps', service, 'dist', 'main.js'),
  ];
  return candidates.find((file) => existsSync(file));
}

const service = process.argv[2];
if (service === undefined || !SERVICES.includes(service)) {
  process.stderr.write(
    `usage: starling <${SERVICES.join('|')}>\n` +
      (service === undefined ? '' : `starling: unknown service ${JSON.stringify(service)}\n`) +
      'Each service is configured by environment variables (see apps/<service>/README.md).\n',
  );
  process.exit(2);
}
const entry = entryOf(service);
if (entry === undefined) {
  process.stderr.write(`starling: ${service} is not built (no dist/main.js)\n`);
  process.exit(1);
}
require(entry);

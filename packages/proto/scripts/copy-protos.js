// Build step: copies the repository's proto/ into dist/proto, so the built package (and a `pnpm deploy` of an
// app, which takes only each package's `dist`) carries the contracts it loads at run time.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const source = path.resolve(__dirname, '..', '..', '..', 'proto');
const target = path.resolve(__dirname, '..', 'dist', 'proto');
fs.rmSync(target, { recursive: true, force: true });
fs.cpSync(source, target, {
  recursive: true,
  filter: (file) => fs.statSync(file).isDirectory() || file.endsWith('.proto'),
});

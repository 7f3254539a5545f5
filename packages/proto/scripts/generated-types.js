// Generates the TypeScript types of every .proto file under the repository's proto/ directory with
// proto-loader-gen-types, and checks that the committed copy in src/generated is current.
//
//   node scripts/generated-types.js gen     rewrite src/generated
//   node scripts/generated-types.js check   regenerate into a temp dir; exit 1 when src/generated differs
//
// The flags mirror the loader options in src/load.ts: the types describe exactly what the loader produces.
// The generator runs with the package directory as cwd and `-I ../../proto`, because it writes the
// include-relative path of each source into a header comment: a fixed cwd keeps the output byte-stable.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const packageDir = path.resolve(__dirname, '..');
const protoDir = path.resolve(packageDir, '..', '..', 'proto');
const generatedDir = path.join(packageDir, 'src', 'generated');

const generatorFlags = [
  '--longs=Number',
  '--enums=String',
  '--defaults',
  '--oneofs',
  '--bytes=Buffer',
  '--grpcLib=@grpc/grpc-js',
];

/** Every .proto file under proto/, as sorted paths relative to it (the names imports use). */
function listProtoFiles(dir = protoDir, prefix = '') {
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...listProtoFiles(path.join(dir, entry.name), relative));
    else if (entry.name.endsWith('.proto')) files.push(relative);
  }
  return files.sort();
}

/** Runs the generator into an empty directory. */
function generateInto(outDir) {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const bin = require.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js', {
    paths: [packageDir],
  });
  // `--` ends the option list: -I takes an array and would otherwise swallow the file names.
  const args = [
    bin,
    ...generatorFlags,
    `--outDir=${outDir}`,
    '-I',
    path.relative(packageDir, protoDir),
    '--',
    ...listProtoFiles(),
  ];
  execFileSync(process.execPath, args, { cwd: packageDir, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** All files under dir as a map of relative path to contents. */
function readTree(dir) {
  const tree = new Map();
  const walk = (current) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else tree.set(path.relative(dir, full).split(path.sep).join('/'), fs.readFileSync(full));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return tree;
}

/** Paths that differ between two trees: missing, extra or changed; empty when identical. */
function diffTrees(expected, actual) {
  const differences = [];
  for (const [file, bytes] of expected) {
    const other = actual.get(file);
    if (other === undefined) differences.push(`missing: ${file}`);
    else if (!bytes.equals(other)) differences.push(`changed: ${file}`);
  }
  for (const file of actual.keys()) if (!expected.has(file)) differences.push(`extra: ${file}`);
  return differences.sort();
}

/** Regenerates into a temp dir and returns how the committed files differ from it. */
function findStaleGeneratedFiles() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'starling-proto-gen-'));
  try {
    const fresh = path.join(tmp, 'generated');
    generateInto(fresh);
    return diffTrees(readTree(fresh), readTree(generatedDir));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function main(command) {
  if (command === 'gen') {
    generateInto(generatedDir);
    console.log(
      `generated types for ${listProtoFiles().length} proto files in ${path.relative(process.cwd(), generatedDir)}`,
    );
    return 0;
  }
  if (command === 'check') {
    const stale = findStaleGeneratedFiles();
    if (stale.length === 0) {
      console.log('generated types are up to date');
      return 0;
    }
    console.error(
      `generated types are stale; run \`pnpm --filter @starling/proto gen\`:\n  ${stale.join('\n  ')}`,
    );
    return 1;
  }
  console.error('usage: node scripts/generated-types.js gen|check');
  return 2;
}

module.exports = {
  listProtoFiles,
  generateInto,
  readTree,
  diffTrees,
  findStaleGeneratedFiles,
  protoDir,
  generatedDir,
};

if (require.main === module) process.exitCode = main(process.argv[2]);

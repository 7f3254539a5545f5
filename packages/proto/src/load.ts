import fs from 'node:fs';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';

/**
 * The .proto files. The build copies the repository's proto/ into `dist/proto`, so a deployed copy of this
 * package (`pnpm deploy`, the image) carries its contracts; from `src/` (jest) it is the repository's proto/,
 * two levels above packages/proto.
 */
export const protoDir: string =
  [path.resolve(__dirname, 'proto'), path.resolve(__dirname, '..', '..', '..', 'proto')].find((dir) =>
    fs.existsSync(dir),
  ) ?? path.resolve(__dirname, '..', '..', '..', 'proto');

/**
 * How every Starling process decodes protobuf. The generated types in src/generated are produced with
 * the matching generator flags (scripts/generated-types.js); change both together.
 *
 * - `longs: Number`: offsets and commitlog positions are uint64 on the wire but stay far below 2^53,
 *   so plain numbers are exact and cheaper than Long objects or strings.
 * - `enums: String`: enum values read as their names ('QUEUE_KIND_TOPIC') in logs and switches.
 * - `defaults: true`: absent scalar fields read as their zero value, absent message fields as null,
 *   so handlers never test for undefined on proto3 scalars. `optional` fields stay undefined when absent.
 * - `oneofs: true`: a oneof (and a proto3 `optional`) also reads as a virtual field naming the set member.
 * - `bytes: Buffer`: payloads are Buffers, as mqtt-packet and the commitlog use.
 */
export const loaderOptions = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  bytes: Buffer,
} as const satisfies protoLoader.Options;

/** Every .proto file under proto/, as paths relative to it (the names that imports use). */
export function listProtoFiles(dir: string = protoDir, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...listProtoFiles(path.join(dir, entry.name), relative));
    else if (entry.name.endsWith('.proto')) files.push(relative);
  }
  return files.sort();
}

let packageDefinition: protoLoader.PackageDefinition | undefined;

/**
 * The package definition of every .proto file under proto/, parsed on first use and shared afterwards:
 * parsing costs tens of milliseconds and every client, server and event codec reads the same one.
 */
export function loadPackageDefinition(): protoLoader.PackageDefinition {
  if (packageDefinition === undefined) {
    if (!fs.existsSync(protoDir)) {
      throw new Error(`@starling/proto: proto directory not found at ${protoDir}`);
    }
    packageDefinition = protoLoader.loadSync(listProtoFiles(), { ...loaderOptions, includeDirs: [protoDir] });
  }
  return packageDefinition;
}

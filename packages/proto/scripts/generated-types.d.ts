// Types for scripts/generated-types.js, which the unit tests drive directly (the script stays plain
// JavaScript so `pnpm gen` / `pnpm check` need no build step).
export declare const protoDir: string;
export declare const generatedDir: string;
export declare function listProtoFiles(): string[];
export declare function generateInto(outDir: string): void;
export declare function readTree(dir: string): Map<string, Buffer>;
export declare function diffTrees(expected: Map<string, Buffer>, actual: Map<string, Buffer>): string[];
export declare function findStaleGeneratedFiles(): string[];

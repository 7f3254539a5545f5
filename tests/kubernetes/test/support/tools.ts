import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { workspaceRoot } from '@starling/test-harness';

export const root = workspaceRoot(__dirname);
export const chartDir = join(root, 'helm', 'starling');
/**
 * The Kubernetes version the chart is rendered for and validated against (the API of `kubernetes-models` 5.1).
 * Explicit because a Helm built with `go install` carries no version stamp and would assume Kubernetes 1.20.
 */
export const KUBE_VERSION = '1.34.0';

/** A command-line tool the checks run, found on PATH or where its installer puts it. */
function findTool(name: string, envVar: string, fallbacks: readonly string[], install: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim() !== '') return which.stdout.trim();
  for (const candidate of fallbacks) if (existsSync(candidate)) return candidate;
  throw new Error(`${name} not found: ${install}, or set ${envVar}`);
}

function goBin(): string {
  const gopath = process.env.GOPATH;
  return join(gopath !== undefined && gopath !== '' ? gopath.split(':')[0]! : join(homedir(), 'go'), 'bin');
}

export function helmBin(): string {
  return findTool(
    'helm',
    'HELM_BIN',
    [join(goBin(), 'helm')],
    'run `bash scripts/setup --test` (it installs a pinned Helm with go install)',
  );
}

export function promtoolBin(): string {
  return findTool('promtool', 'PROMTOOL_BIN', [], 'install it with `apt-get install prometheus`');
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion; never throws on a non-zero exit (the caller asserts on it). */
export function run(
  command: string,
  args: readonly string[],
  input?: string,
  env?: Readonly<Record<string, string>>,
): RunResult {
  const result = spawnSync(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    input,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (result.error !== undefined) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A set of values the chart is checked with: `default`, or a `helm/starling/ci/<name>-values.yaml` file. */
export interface Profile {
  name: string;
  files: string[];
}

/** `default` plus every `helm/starling/ci/<name>-values.yaml` profile (helm's own convention for CI values). */
export function chartProfiles(): Profile[] {
  const ciDir = join(chartDir, 'ci');
  return [
    { name: 'default', files: [] },
    ...(existsSync(ciDir) ? readdirSync(ciDir) : [])
      .filter((f) => f.endsWith('-values.yaml'))
      .sort()
      .map((f) => ({ name: f.replace(/-values\.yaml$/, ''), files: [join(ciDir, f)] })),
  ];
}

function templateArgs(valuesFiles: readonly string[], set: readonly string[]): string[] {
  const args = ['template', 'starling', chartDir, '--namespace', 'starling', '--kube-version', KUBE_VERSION];
  for (const file of valuesFiles) args.push('-f', file);
  for (const pair of set) args.push('--set', pair);
  return args;
}

/** `helm template` output for the chart with the given values files and `--set` pairs; throws on failure. */
export function helmTemplate(valuesFiles: readonly string[] = [], set: readonly string[] = []): string {
  return execFileSync(helmBin(), templateArgs(valuesFiles, set), {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** `helm template`'s error output for these `--set` pairs, or '' when it rendered. */
export function helmTemplateError(set: readonly string[]): string {
  try {
    execFileSync(helmBin(), templateArgs([], set), {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return '';
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
}

// `starling passwd <username>`: prints a line for the gateway's password file (GATEWAY_AUTH_FILE).
// The password is read from standard input (first line) so it never appears in a process list or a shell
// history; the output goes into a Kubernetes Secret or a file, one line per user.
import { hashPasswordLine } from './auth';

const USAGE = 'usage: passwd <username>   (the password is read from standard input, first line)';

async function readFirstLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if ((chunk as Buffer).includes(0x0a)) break;
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

async function main(): Promise<number> {
  const username = process.argv[2];
  if (username === undefined || process.argv.length > 3) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (username === '' || username.includes(':') || /\s/.test(username)) {
    process.stderr.write('passwd: the user name must be non-empty, without ":" or white space\n');
    return 2;
  }
  if (process.stdin.isTTY) process.stderr.write(`password for ${username}: `);
  const password = await readFirstLine();
  if (password === '') {
    process.stderr.write('passwd: empty password refused\n');
    return 2;
  }
  process.stdout.write(`${await hashPasswordLine(username, password)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`passwd: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

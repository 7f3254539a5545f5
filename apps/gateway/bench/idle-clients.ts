// Child process of the gateway benchmark: opens N idle MQTT 3.1.1 connections to 127.0.0.1:<port> with raw
// sockets (one CONNECT each, keep-alive off), reports `{"connected":n}` on stdout, holds them until stdin
// closes. A separate process so the benchmark's own memory and file descriptors hold only the server side.
import { connect, type Socket } from 'node:net';
import { generate } from 'mqtt-packet';

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
const prefix = process.argv[4] ?? 'idle';
const CONCURRENCY = 200;
const sockets: Socket[] = [];

function open(i: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => resolve(false), 10_000);
    socket.once('error', () => resolve(false));
    socket.once('data', (data: Buffer) => {
      clearTimeout(timer);
      // CONNACK: 0x20, 0x02, flags, return code 0
      resolve(data[0] === 0x20 && data[3] === 0);
    });
    socket.write(
      generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        clientId: `${prefix}-${i}`,
        keepalive: 0,
      }),
    );
    sockets.push(socket);
  });
}

async function main(): Promise<void> {
  let next = 0;
  let connected = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        if (await open(next++)) connected++;
      }
    }),
  );
  process.stdout.write(`${JSON.stringify({ connected })}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => {
    for (const s of sockets) s.destroy();
    process.exit(0);
  });
}

void main();

// Raw TCP connections for hostile input: whatever bytes a test wants, and a record of what came back.
import { connect, type Socket } from 'node:net';
import { generate, parser, type Packet } from 'mqtt-packet';

export interface RawConnection {
  readonly socket: Socket;
  /** Every byte received. */
  received(): Buffer;
  /** Resolves when the socket is closed (by either side). */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  /** Writes, ignoring EPIPE/ECONNRESET: the gateway may close while we are still writing. */
  write(bytes: Buffer): void;
  destroy(): void;
}

export async function openRaw(mqttUrl: string): Promise<RawConnection> {
  const url = new URL(mqttUrl);
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined); // a reset by the gateway is an expected outcome
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    received: () => Buffer.concat(chunks),
    closed: closedPromise,
    isClosed: () => closed,
    write: (bytes) => {
      if (!socket.destroyed) socket.write(bytes, () => undefined);
    },
    destroy: () => socket.destroy(),
  };
}

/** A well-formed MQTT 3.1.1 CONNECT. */
export function connectPacket(clientId: string, keepalive = 0): Buffer {
  return generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId,
    clean: true,
    keepalive,
  });
}

/** CONNACK 0x00 without session present, as the gateway answers a good CONNECT. */
export const CONNACK_ACCEPTED = Buffer.from([0x20, 0x02, 0x00, 0x00]);

/** A remaining length as the variable-length integer of MQTT (no limit checks: tests send bad ones too). */
export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

/** A 2-byte length-prefixed MQTT string from raw bytes (which need not be UTF-8). */
export function mqttString(bytes: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

/** A frame: first byte, remaining length, body. */
export function frame(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body]);
}

/** Every complete packet in `bytes` (MQTT 3.1.1), in order. */
export function parsePackets(bytes: Buffer): Packet[] {
  const packets: Packet[] = [];
  const p = parser({ protocolVersion: 4 });
  p.on('packet', (packet) => packets.push(packet));
  p.parse(bytes);
  return packets;
}

// A raw MQTT session over a net.Socket for the conformance suite: packets are sent as objects (encoded by
// mqtt-packet) or as whatever bytes a test wants, and everything the server sends back is parsed in order, so
// a test can wait for one packet, look at every packet, or wait for the server to close.
import {
  generate,
  parser,
  type IConnackPacket,
  type IConnectPacket,
  type IPublishPacket,
  type Packet,
} from 'mqtt-packet';
import { eventually, uniqueName } from '@starling/test-harness';
import { openRaw, type RawConnection } from './raw-mqtt';

export type ProtocolLevel = 3 | 4;

export class RawSession {
  private readonly parsed: Packet[] = [];
  private parseError: Error | undefined;
  /** Packets returned by `next()` so far: `next()` looks only after them. */
  private consumed = 0;

  private constructor(
    readonly raw: RawConnection,
    readonly protocolVersion: ProtocolLevel,
  ) {
    const p = parser({ protocolVersion });
    p.on('packet', (packet: Packet) => this.parsed.push(packet));
    p.on('error', (err: Error) => {
      this.parseError ??= err;
    });
    raw.socket.on('data', (chunk: Buffer) => p.parse(chunk));
  }

  static async open(mqttUrl: string, protocolVersion: ProtocolLevel = 4): Promise<RawSession> {
    return new RawSession(await openRaw(mqttUrl), protocolVersion);
  }

  /** Every packet received so far, in order. */
  get packets(): readonly Packet[] {
    if (this.parseError !== undefined) throw this.parseError;
    return this.parsed;
  }

  /** The packets of one type received so far. */
  all<T extends Packet>(cmd: T['cmd']): T[] {
    return this.packets.filter((p): p is T => p.cmd === cmd);
  }

  isClosed(): boolean {
    return this.raw.isClosed();
  }

  send(packet: Record<string, unknown> & { cmd: Packet['cmd'] }): void {
    this.raw.write(generate(packet as unknown as Packet, { protocolVersion: this.protocolVersion }));
  }

  write(bytes: Buffer | number[]): void {
    this.raw.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  /** The next packet of type `cmd` (matching `where`) after those already returned; fails on timeout. */
  async next<T extends Packet>(
    cmd: T['cmd'],
    where: (packet: T) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<T> {
    return eventually(
      () => {
        const packets = this.packets;
        for (let i = this.consumed; i < packets.length; i++) {
          const p = packets[i]!;
          if (p.cmd === cmd && where(p as T)) {
            this.consumed = i + 1;
            return p as T;
          }
        }
        throw new Error(
          `no ${cmd} yet; received [${packets.map((p) => p.cmd).join(', ')}]${this.isClosed() ? ' (closed)' : ''}`,
        );
      },
      { timeoutMs },
    );
  }

  /** Resolves once the server has closed the connection; fails if it is still open after `timeoutMs`. */
  async closedByServer(timeoutMs = 8_000): Promise<void> {
    await eventually(() => expect(this.isClosed()).toBe(true), { timeoutMs });
  }

  destroy(): void {
    this.raw.destroy();
  }
}

export interface ConnectFields {
  clientId?: string;
  clean?: boolean;
  keepalive?: number;
  protocolVersion?: ProtocolLevel;
  will?: { topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean };
  username?: string;
  password?: Buffer;
}

/** A CONNECT of 3.1.1 (or 3.1 with `protocolVersion: 3`) as an mqtt-packet object. */
export function connectFields(fields: ConnectFields = {}): IConnectPacket {
  const version = fields.protocolVersion ?? 4;
  return {
    cmd: 'connect',
    protocolId: version === 3 ? 'MQIsdp' : 'MQTT',
    protocolVersion: version,
    clientId: fields.clientId ?? uniqueName(),
    clean: fields.clean ?? true,
    keepalive: fields.keepalive ?? 30,
    ...(fields.will !== undefined ? { will: fields.will } : {}),
    ...(fields.username !== undefined ? { username: fields.username } : {}),
    ...(fields.password !== undefined ? { password: fields.password } : {}),
  };
}

/** Raw sessions of one test file: `destroyAll()` in afterEach. */
export function rawTracker() {
  const sessions: RawSession[] = [];
  return {
    /** A raw connection, no CONNECT sent yet. */
    async open(mqttUrl: string, protocolVersion: ProtocolLevel = 4): Promise<RawSession> {
      const s = await RawSession.open(mqttUrl, protocolVersion);
      sessions.push(s);
      return s;
    },
    /** A raw connection past CONNACK 0x00; returns the CONNACK too. */
    async connect(
      mqttUrl: string,
      fields: ConnectFields = {},
    ): Promise<{ session: RawSession; connack: IConnackPacket }> {
      const s = await this.open(mqttUrl, fields.protocolVersion ?? 4);
      s.send({ ...connectFields(fields) });
      const connack = await s.next<IConnackPacket>('connack');
      expect(connack.returnCode).toBe(0);
      return { session: s, connack };
    },
    destroyAll(): void {
      sessions.splice(0).forEach((s) => s.destroy());
    },
  };
}

/** A frame: first byte, remaining length, body (any bytes, for malformed packets). */
export function rawFrame(firstByte: number, body: number[] | Buffer): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const length: number[] = [];
  let n = bytes.length;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    length.push(b);
  } while (n > 0);
  return Buffer.concat([Buffer.from([firstByte, ...length]), bytes]);
}

/** A 2-byte length-prefixed MQTT string. */
export function str(text: string | Buffer): Buffer {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
}

/** A 2-byte packet identifier. */
export function id(n: number): Buffer {
  return Buffer.from([n >> 8, n & 0xff]);
}

/** A PUBLISH packet's payload as text. */
export function payloadOf(packet: IPublishPacket): string {
  return Buffer.isBuffer(packet.payload) ? packet.payload.toString() : packet.payload;
}

/** `[cmd, payload or '', messageId, dup]` of each packet after CONNACK, for readable diffs. */
export function flow(packets: readonly Packet[]): Array<[string, string, number | undefined, boolean]> {
  return packets
    .filter((p) => p.cmd !== 'connack' && p.cmd !== 'pingresp')
    .map((p) => [
      p.cmd,
      p.cmd === 'publish' ? payloadOf(p) : '',
      'messageId' in p ? p.messageId : undefined,
      p.cmd === 'publish' ? p.dup : false,
    ]);
}

import { createLogger, type Logger } from '@starling/observability';
import type { IPublishPacket } from 'mqtt-packet';
import type { ClientConnection, CloseReason, OutPacket, ProtocolVersion, Transport } from '../../src/types';

const silent = createLogger({ service: 'gateway', level: 'silent' });
let nextId = 1;

/**
 * The connection side of a session for delivery tests: records every packet sent and lets the test play the
 * socket's back-pressure (`setWritable`). Not a mock of the store, the bus or gRPC: those are real in tests.
 */
export class FakeConnection implements ClientConnection {
  readonly id = nextId++;
  readonly transport: Transport = 'tcp';
  readonly protocolVersion: ProtocolVersion = 4;
  readonly logger: Logger = silent;
  readonly sent: OutPacket[] = [];
  closedWith: CloseReason | undefined;
  private isWritable = true;
  private readonly writableListeners: Array<() => void> = [];

  constructor(readonly clientId: string) {}

  get writable(): boolean {
    return this.isWritable && this.closedWith === undefined;
  }

  send(packet: OutPacket): void {
    if (this.closedWith !== undefined) return;
    this.sent.push(packet);
  }

  onWritable(listener: () => void): void {
    this.writableListeners.push(listener);
  }

  close(reason: CloseReason): void {
    this.closedWith ??= reason;
  }

  /** Plays the socket buffer crossing its high-water mark (false) or draining (true, fires `onWritable`). */
  setWritable(writable: boolean): void {
    this.isWritable = writable;
    if (writable) for (const listener of this.writableListeners) listener();
  }

  /** The PUBLISH packets sent so far. */
  publishes(): IPublishPacket[] {
    return this.sent.filter((p): p is IPublishPacket => p.cmd === 'publish');
  }

  /** Payloads of the PUBLISHes sent so far, as strings. */
  payloads(): string[] {
    return this.publishes().map((p) => p.payload.toString());
  }

  /** Packets of one type (e.g. 'pubrel'). */
  ofType<C extends OutPacket['cmd']>(cmd: C): Array<Extract<OutPacket, { cmd: C }>> {
    return this.sent.filter((p): p is Extract<OutPacket, { cmd: C }> => p.cmd === cmd);
  }
}

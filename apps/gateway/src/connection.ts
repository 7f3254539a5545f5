import type { Duplex } from 'node:stream';
import type { Packet } from 'mqtt-packet';
import type { Logger } from '@starling/observability';
import { NO_ACCESS, type ClientAccess } from './acl';
import type { CounterCell, GatewayMetrics } from './metrics';
import type { SessionState } from './session/session-state';
import { checkPacketStrings } from './transports/packet-strings';
import { readConnectPreamble } from './transports/connect-preamble';
import { decodeFrame, encodePacket } from './transports/fast-codec';
import { PacketFramer } from './transports/packet-framer';
import type { ClientConnection, CloseReason, OutPacket, ProtocolVersion, Transport } from './types';

/**
 * One client connection: the byte stream of a transport, the packet decoder (`fast-codec.ts`: hot packets by
 * hand, the rest through one mqtt-packet parser shared by every connection), a writer that flushes once per
 * event-loop turn, and the connection state machine
 *
 *   awaiting-connect ──CONNECT──▶ connected ──close(reason)──▶ closed
 *
 * with the CONNECT timeout, keep-alive at 1.5× [MQTT-3.1.2-24] and the packet size limit. Packets are handed
 * to the handler one at a time, in order: a handler that returns a promise holds the next packet back until
 * it settles (CONNECT until CONNACK, SUBSCRIBE until SUBACK), so a client may pipeline packets right after
 * CONNECT [MQTT-3.1.4] and still see them processed in order.
 */

export interface ConnectionHandler {
  onPacket(connection: MqttConnection, packet: Packet): void | Promise<void>;
  /** After the socket is closed (once). The handler releases the session: will, delivery, store. */
  onClose(connection: MqttConnection, reason: CloseReason): void;
}

export interface ConnectionLimits {
  readonly maxPacketBytes: number;
  readonly connectTimeoutMs: number;
  /** Bytes queued to the socket above which `writable` is false. */
  readonly maxQueuedBytes: number;
}

export interface ConnectionOptions {
  readonly id: number;
  readonly transport: Transport;
  readonly socket: Duplex;
  readonly remoteAddress: string;
  readonly limits: ConnectionLimits;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly handler: ConnectionHandler;
  /** GATEWAY_TLS_IDENTITY=cn: the user its verified client certificate names (no password needed). */
  readonly certificateUser?: string;
}

type State = 'awaiting-connect' | 'connected' | 'closed';

/** Reasons after which the will is published: the connection ended without DISCONNECT [MQTT-3.1.2-8]. */
const WILL_REASONS: ReadonlySet<CloseReason> = new Set<CloseReason>([
  'socket-closed',
  'keep-alive-timeout',
  'protocol-error',
  'malformed-packet',
  'packet-too-large',
  'taken-over',
  'store-unavailable',
  'queue-full',
]);

export function publishesWill(reason: CloseReason): boolean {
  return WILL_REASONS.has(reason);
}

/** Keep-alive: the server closes after 1.5× the client's interval without a packet; 0 turns it off [MQTT-3.1.2-24]. */
export function keepAliveTimeoutMs(keepAliveSeconds: number): number {
  return keepAliveSeconds > 0 ? keepAliveSeconds * 1500 : 0;
}

/** Packets waiting for the handler before the socket stops being read (back-pressure on the client). */
const INBOX_HIGH_WATER = 64;
/** How long a closing socket may take to flush its last bytes (a refusing CONNACK) before it is destroyed. */
const END_GRACE_MS = 2_000;

/** How often the shared keep-alive watch looks at the connections: a silent client is closed at most this late. */
const KEEP_ALIVE_TICK_MS = 500;

/**
 * ONE timer for every connection's keep-alive (not a timer per connection): each tick closes the connections
 * that have been silent for 1.5× their interval [MQTT-3.1.2-24]. Packets only stamp `lastPacketAtMs`. The
 * interval runs while some connection is watched, and never keeps the process alive.
 */
const keepAliveWatch = {
  watched: new Set<MqttConnection>(),
  timer: undefined as NodeJS.Timeout | undefined,
  add(connection: MqttConnection): void {
    this.watched.add(connection);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), KEEP_ALIVE_TICK_MS);
      this.timer.unref();
    }
  },
  delete(connection: MqttConnection): void {
    this.watched.delete(connection);
    if (this.watched.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  },
  tick(): void {
    const now = Date.now();
    for (const connection of this.watched) connection.checkKeepAlive(now);
  },
};

/** The connection a socket belongs to, for the listeners below. */
const kConnection = Symbol('starling.connection');
type OwnedSocket = Duplex & { [kConnection]: MqttConnection };

// One set of socket listeners for every connection (Node calls them with the socket as `this`), instead of
// four closures per connection: about 250 bytes of every idle connection.
function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kConnection].onData(chunk);
}
function onSocketDrain(this: OwnedSocket): void {
  this[kConnection].onDrain();
}
function onSocketError(this: OwnedSocket, err: Error): void {
  this[kConnection].logger.debug({ err: err.message }, 'socket error');
}
function onSocketClose(this: OwnedSocket): void {
  this[kConnection].close('socket-closed');
}

export const PROTOCOL_LABELS: Record<ProtocolVersion, string> = { 3: '3.1', 4: '3.1.1', 5: '5.0' };

export class MqttConnection implements ClientConnection {
  readonly id: number;
  readonly transport: Transport;
  readonly remoteAddress: string;
  /** The user a verified client certificate names (GATEWAY_TLS_IDENTITY=cn); undefined otherwise. */
  readonly certificateUser: string | undefined;
  /** The connection logger; the child with the client id is made on first use (most connections never log). */
  private baseLogger: Logger;
  private clientLogger: Logger | undefined;
  private version: ProtocolVersion = 4;
  private client = '';
  /** The session, once CONNECT was accepted (set by the CONNECT handler). */
  session: SessionState | undefined;
  /** What this client may publish and subscribe to; nothing until the CONNECT handler authorizes it. */
  access: ClientAccess = NO_ACCESS;
  /** The user name the client proved with its password (the ACL's `user:` rules); undefined if anonymous. */
  user: string | undefined;
  /** Authenticated: `access` is this client's view of the ACL, computed again when the ACL changes. */
  authorized = false;
  /** The reason the connection closed with, once closed. */
  closeReason: CloseReason | undefined;

  private state: State = 'awaiting-connect';
  private readonly socket: Duplex;
  private readonly limits: ConnectionLimits;
  private readonly metrics: GatewayMetrics;
  private readonly handler: ConnectionHandler;
  private readonly framer: PacketFramer;
  private protocolLabel = 'unknown';
  private readonly bytesInCell: CounterCell;
  private readonly bytesOutCell: CounterCell;

  private inbox: Packet[] = [];
  private processing = false;
  private paused = false;

  private outbox: Buffer[] = [];
  private outboxBytes = 0;
  private flushScheduled = false;
  /** Usually one (the session's delivery); an array, as an empty Set alone costs about 150 bytes. */
  private writableListeners: Array<() => void> | undefined;

  private connectTimer: NodeJS.Timeout | undefined;
  private keepAliveMs = 0;
  private lastPacketAtMs = Date.now();

  constructor(options: ConnectionOptions) {
    this.id = options.id;
    this.transport = options.transport;
    this.socket = options.socket;
    this.remoteAddress = options.remoteAddress;
    this.certificateUser = options.certificateUser;
    this.limits = options.limits;
    this.metrics = options.metrics;
    this.handler = options.handler;
    this.baseLogger = options.logger;
    this.framer = new PacketFramer(options.limits.maxPacketBytes);
    this.bytesInCell = this.metrics.hot.bytesIn.cell(this.transport);
    this.bytesOutCell = this.metrics.hot.bytesOut.cell(this.transport);
    this.metrics.connections.inc({ transport: this.transport, protocol: this.protocolLabel });

    // [MQTT-3.1.0-1] the first packet must be CONNECT; a client that sends none is closed after a while.
    this.connectTimer = setTimeout(() => this.close('connect-timeout'), this.limits.connectTimeoutMs);
    (this.socket as OwnedSocket)[kConnection] = this;
    this.socket.on('data', onSocketData);
    this.socket.on('drain', onSocketDrain);
    this.socket.on('error', onSocketError);
    this.socket.on('close', onSocketClose);
  }

  get protocolVersion(): ProtocolVersion {
    return this.version;
  }

  get logger(): Logger {
    if (this.client === '') return this.baseLogger;
    this.clientLogger ??= this.baseLogger.child({ clientId: this.client });
    return this.clientLogger;
  }

  get clientId(): string {
    return this.client;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /** Called by the CONNECT handler once the client identifier is known (assigned or given). */
  identify(clientId: string): void {
    this.client = clientId;
    this.clientLogger = undefined;
  }

  /** Starts the keep-alive watch with the client's interval [MQTT-3.1.2-24]. */
  startKeepAlive(keepAliveSeconds: number): void {
    this.keepAliveMs = keepAliveTimeoutMs(keepAliveSeconds);
    this.lastPacketAtMs = Date.now();
    if (this.keepAliveMs > 0 && this.state !== 'closed') keepAliveWatch.add(this);
  }

  /** Called by the shared keep-alive watch: closes the connection once it was silent for too long. */
  checkKeepAlive(nowMs: number): void {
    if (nowMs - this.lastPacketAtMs >= this.keepAliveMs) this.close('keep-alive-timeout');
  }

  // ---- writer ------------------------------------------------------------------------------------------

  get writable(): boolean {
    return (
      this.state !== 'closed' && this.socket.writableLength + this.outboxBytes < this.limits.maxQueuedBytes
    );
  }

  onWritable(listener: () => void): void {
    const listeners = (this.writableListeners ??= []);
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  send(packet: OutPacket): void {
    if (this.state === 'closed') return;
    let encoded: Buffer | readonly [Buffer, Buffer];
    try {
      encoded = encodePacket(packet, this.version);
    } catch (err) {
      // A packet we cannot encode is a bug on our side; it costs this connection only.
      this.logger.error({ err, cmd: packet.cmd }, 'cannot encode packet');
      this.close('protocol-error');
      return;
    }
    let length: number;
    if (Buffer.isBuffer(encoded)) {
      this.outbox.push(encoded);
      length = encoded.length;
    } else {
      const [head, payload] = encoded;
      this.outbox.push(head, payload);
      length = head.length + payload.length;
    }
    this.outboxBytes += length;
    this.metrics.hot.packetsOut.inc(packet.cmd);
    this.bytesOutCell.pending += length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Every packet queued in this turn of the event loop goes out in one write.
      process.nextTick(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0) return;
    const bytes = this.outbox.length === 1 ? this.outbox[0]! : Buffer.concat(this.outbox, this.outboxBytes);
    this.outbox = [];
    this.outboxBytes = 0;
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }

  /** @internal the socket's 'drain' listener */
  onDrain(): void {
    if (this.state === 'closed' || !this.writable || this.writableListeners === undefined) return;
    for (const listener of [...this.writableListeners]) {
      try {
        listener();
      } catch (err) {
        this.logger.error({ err }, 'writable listener failed');
      }
    }
  }

  // ---- reader ------------------------------------------------------------------------------------------

  /** @internal the socket's 'data' listener */
  onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.bytesInCell.pending += chunk.length;
    const { frames, problem } = this.framer.push(chunk);
    for (const frame of frames) {
      if (!this.onFrame(frame)) return;
    }
    if (problem !== undefined) {
      this.protocolError(problem, problem === 'packet-too-large' ? 'packet-too-large' : 'malformed-packet');
    }
  }

  /** Returns false once the connection is closed. */
  private onFrame(frame: Buffer): boolean {
    const type = frame[0]! >> 4;
    if (this.state === 'awaiting-connect') {
      if (type !== 1) {
        // [MQTT-3.1.0-1] the first packet from the client must be CONNECT.
        this.protocolError('packet-before-connect', 'protocol-error');
        return false;
      }
      const preamble = readConnectPreamble(frame);
      switch (preamble.status) {
        case 'ok':
          this.version = preamble.version;
          break;
        case 'unacceptable-protocol-level':
          // [MQTT-3.1.2-2] CONNACK 0x01 (unacceptable protocol level), then close. [MQTT-3.2.2-4] no session.
          this.send({ cmd: 'connack', returnCode: 1, sessionPresent: false });
          this.protocolError('unacceptable-protocol-level', 'protocol-error');
          return false;
        case 'unknown-protocol-name':
          // [MQTT-3.1.2-1] not MQTT: the server closes without processing it any further.
          this.protocolError('unknown-protocol-name', 'protocol-error');
          return false;
        case 'malformed':
          this.protocolError('malformed-connect', 'malformed-packet');
          return false;
      }
    } else if (type === 1) {
      // [MQTT-3.1.0-2] a second CONNECT is a protocol violation.
      this.protocolError('second-connect', 'protocol-error');
      return false;
    }

    const decoded = decodeFrame(frame, this.version);
    if (!('packet' in decoded)) {
      // Malformed packet, reserved flags [MQTT-2.2.2-2], QoS 3 [MQTT-3.3.1-4], CONNECT reserved flag
      // [MQTT-3.1.2-3], will flags [MQTT-3.1.2-13, -15], empty SUBSCRIBE [MQTT-3.8.3-3] …
      this.protocolError('malformed-packet', 'malformed-packet', decoded.error?.message);
      return false;
    }
    const packet = decoded.packet;
    const stringProblem = checkPacketStrings(packet, frame);
    if (stringProblem !== undefined) {
      // [MQTT-1.5.3-1] ill-formed UTF-8, [MQTT-1.5.3-2] U+0000: close the connection.
      this.protocolError(stringProblem, 'malformed-packet');
      return false;
    }
    this.metrics.hot.packetsIn.inc(packet.cmd);
    this.lastPacketAtMs = Date.now();
    if (packet.cmd === 'connect') {
      this.state = 'connected';
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
      this.metrics.connections.dec({ transport: this.transport, protocol: this.protocolLabel });
      this.protocolLabel = PROTOCOL_LABELS[this.version];
      this.metrics.connections.inc({ transport: this.transport, protocol: this.protocolLabel });
    }
    this.inbox.push(packet);
    if (this.inbox.length >= INBOX_HIGH_WATER && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    if (!this.processing) void this.process();
    return this.state !== 'closed';
  }

  private async process(): Promise<void> {
    this.processing = true;
    try {
      while (this.inbox.length > 0 && this.state !== 'closed') {
        const packet = this.inbox.shift()!;
        const pending = this.handler.onPacket(this, packet);
        if (pending !== undefined) await pending;
        if (this.paused && this.inbox.length < INBOX_HIGH_WATER / 2 && !this.closed) {
          this.paused = false;
          this.socket.resume();
        }
      }
    } catch (err) {
      // Handlers return outcomes as values: an exception is a bug. It costs this connection, not the process.
      this.logger.error({ err }, 'packet handler failed');
      this.protocolError('handler-failed', 'protocol-error');
    } finally {
      this.processing = false;
      // A drained inbox is replaced: an idle connection keeps no backing store from its busy moments.
      if (this.inbox.length === 0) this.inbox = [];
    }
  }

  /** Counts and logs (once per connection) a protocol violation, then closes. */
  protocolError(reason: string, closeReason: CloseReason, detail?: string): void {
    if (this.state === 'closed') return;
    this.metrics.protocolErrors.inc({ reason });
    this.logger.info({ reason, ...(detail !== undefined ? { detail } : {}) }, 'protocol error, closing');
    this.close(closeReason);
  }

  // ---- close -------------------------------------------------------------------------------------------

  close(reason: CloseReason): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeReason = reason;
    clearTimeout(this.connectTimer);
    keepAliveWatch.delete(this);
    this.inbox.length = 0;
    this.writableListeners = undefined;
    this.metrics.connections.dec({ transport: this.transport, protocol: this.protocolLabel });
    this.metrics.connectionsClosed.inc({ reason });
    if (this.baseLogger.isLevelEnabled('debug')) this.logger.debug({ reason }, 'connection closed');

    if (this.socket.destroyed) {
      this.outbox = [];
    } else {
      // Flush what is queued (a refusing CONNACK must reach the client [MQTT-3.2.2-5]), then close; a peer
      // that does not read gets destroyed after a grace period.
      this.flush();
      this.socket.end();
      this.socket.pause();
      setTimeout(() => this.socket.destroy(), END_GRACE_MS).unref();
    }
    try {
      this.handler.onClose(this, reason);
    } catch (err) {
      this.logger.error({ err }, 'close handler failed');
    }
  }
}

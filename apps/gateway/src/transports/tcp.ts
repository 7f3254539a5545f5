import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { CloseReason, Transport } from '../types';

/** What a transport may ask of the connection it handed over. */
export interface AcceptedConnection {
  protocolError(reason: string, closeReason: CloseReason): void;
}

/**
 * Hands each accepted byte stream, with its transport name, to the connection layer; undefined when the
 * connection was refused (over the connection limit).
 */
export type AcceptConnection = (
  socket: Duplex,
  transport: Transport,
  remoteAddress: string,
  /** MQTT over TLS with client certificates: the common name of the certificate the handshake verified. */
  certificateName?: string,
) => AcceptedConnection | undefined;

export interface TransportServer {
  /** The bound port (the kernel's choice when asked for 0). */
  readonly port: number;
  /** Stops accepting at once; open connections stay until their owner closes them. */
  close(): Promise<void>;
}

/** MQTT over TCP (1883): one net server; Nagle off, since the writer already batches per event-loop turn. */
export function startTcpTransport(options: {
  host: string;
  port: number;
  accept: AcceptConnection;
}): Promise<TransportServer> {
  const server: Server = createServer({ noDelay: true }, (socket: Socket) => {
    options.accept(socket, 'tcp', remoteAddressOf(socket));
  });
  return listenOn(server, options.host, options.port);
}

/** `address:port` of a socket, for logs. */
export function remoteAddressOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
}

/**
 * Binds a stream server (TCP, TLS) and returns its handle; shared by every transport whose connections are
 * sockets, so they all listen, report their port and stop accepting the same way.
 */
export async function listenOn(server: Server, host: string, port: number): Promise<TransportServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      // The listener stops now; the close callback would wait for every connection, which the gateway's
      // drain ends.
      server.close();
      return Promise.resolve();
    },
  };
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import type { AcceptConnection, TransportServer } from './tcp';

/** Subprotocols MQTT clients offer: 'mqtt' (3.1.1, 5.0) and 'mqttv3.1' (3.1) [MQTT-6.0.0-3]. */
export const MQTT_SUBPROTOCOLS: readonly string[] = ['mqtt', 'mqttv3.1'];

/**
 * Picks the subprotocol to answer with: the first one the client offered that is MQTT. A client that offers
 * none is served too (some do not send the header); one that offers only others gets no protocol back.
 */
export function selectSubprotocol(offered: ReadonlySet<string>): string | false {
  for (const protocol of offered) if (MQTT_SUBPROTOCOLS.includes(protocol)) return protocol;
  return false;
}

/**
 * MQTT over WebSocket at `path` (`/mqtt`): binary frames become one byte stream, in which MQTT packets may
 * span frames or share one [MQTT-6.0.0-2]; a text frame closes the connection [MQTT-6.0.0-1].
 */
export async function startWebSocketTransport(options: {
  host: string;
  port: number;
  path: string;
  /** Largest WebSocket message: a packet may need a whole frame. */
  maxPayloadBytes: number;
  accept: AcceptConnection;
}): Promise<TransportServer> {
  const http: Server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
  });
  const wss = new WebSocketServer({
    server: http,
    path: options.path,
    perMessageDeflate: false,
    maxPayload: options.maxPayloadBytes,
    handleProtocols: (offered) => selectSubprotocol(offered),
  });
  wss.on('connection', (ws: WebSocket, req) => {
    const stream = createWebSocketStream(ws);
    const address = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
    const connection = options.accept(stream, 'ws', address);
    if (connection === undefined) return;
    // Registered before the stream's own listener, so a text frame never reaches the parser.
    ws.prependListener('message', (_data, isBinary) => {
      if (!isBinary) connection.protocolError('websocket-text-frame', 'protocol-error');
    });
  });
  wss.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  return {
    port,
    close: () => {
      // Stops accepting now; upgraded connections are ended by the gateway's drain.
      wss.close();
      http.close();
      return Promise.resolve();
    },
  };
}

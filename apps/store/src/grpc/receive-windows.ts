import http2 from 'node:http2';

/**
 * HTTP/2 receive windows of the store's gRPC server. Node's defaults are 64 KiB per stream and per connection:
 * a gateway's append batch (hundreds of KiB) then crosses in 64 KiB steps, each waiting for a WINDOW_UPDATE
 * that the store's event loop sends only between its own work. Measured on the batched-append bench (8 calls
 * of 500 × 256 B in flight): 63–67k messages/s with the defaults, 84–89k with these. They bound what a client
 * may send ahead of the store's reading, per connection: the store reads every request as it arrives anyway.
 */
export const STREAM_RECEIVE_WINDOW_BYTES = 4 * 1024 * 1024;
export const CONNECTION_RECEIVE_WINDOW_BYTES = 16 * 1024 * 1024;

type CreateServer = (options?: http2.ServerOptions, ...rest: unknown[]) => http2.Http2Server;

/** Binds running at once (two stores opened concurrently in one process): the last one out restores. */
let binding = 0;
let originals: { createServer: CreateServer; createSecureServer: CreateServer } | undefined;

/**
 * Runs `bind` (grpc-js `Server.bindAsync`) with HTTP/2 servers made with the windows above. grpc-js creates its
 * HTTP/2 server inside `bindAsync` and has no option for its SETTINGS, so for the time of the bind the module's
 * `createServer`/`createSecureServer` add them (the store makes no other HTTP/2 server meanwhile). Every session
 * of that server then advertises the stream window and opens its connection window. Overlapping binds share
 * one wrapping, so the module's own functions come back when the last one ends.
 */
export async function bindWithReceiveWindows<T>(bind: () => Promise<T>): Promise<T> {
  const module = http2 as unknown as { createServer: CreateServer; createSecureServer: CreateServer };
  if (binding++ === 0) {
    const saved = { createServer: module.createServer, createSecureServer: module.createSecureServer };
    originals = saved;
    const withWindows =
      (create: CreateServer): CreateServer =>
      (options, ...rest) => {
        const server = create.call(
          http2,
          {
            ...options,
            settings: { ...options?.settings, initialWindowSize: STREAM_RECEIVE_WINDOW_BYTES },
          },
          ...rest,
        );
        server.on('session', (session: http2.ServerHttp2Session) => {
          session.setLocalWindowSize(CONNECTION_RECEIVE_WINDOW_BYTES);
        });
        return server;
      };
    module.createServer = withWindows(saved.createServer);
    module.createSecureServer = withWindows(saved.createSecureServer);
  }
  try {
    return await bind();
  } finally {
    if (--binding === 0 && originals !== undefined) {
      module.createServer = originals.createServer;
      module.createSecureServer = originals.createSecureServer;
      originals = undefined;
    }
  }
}

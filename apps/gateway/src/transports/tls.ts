import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { createSecureContext, createServer, type TLSSocket } from 'node:tls';
import { ConfigError, type ConfigIssue } from '@starling/config';
import type { GatewayTlsConfig } from '../config';
import { listenOn, remoteAddressOf, type AcceptConnection, type TransportServer } from './tcp';

/** The PEM files named by `GATEWAY_TLS_*`, read once at start. */
export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Set: client certificates are required and verified against it. */
  readonly ca?: Buffer;
}

const CERT_VARIABLE = 'GATEWAY_TLS_CERT_FILE';
const KEY_VARIABLE = 'GATEWAY_TLS_KEY_FILE';
const CA_VARIABLE = 'GATEWAY_TLS_CA_FILE';

/**
 * Reads and checks the certificate, key and CA files; undefined when TLS is off. Throws one ConfigError naming
 * every variable whose file is unreadable, not PEM, or (key) does not match the certificate, so a bad file stops
 * the gateway at start like any other bad setting, not at the first client's handshake.
 */
export function readTlsCredentials(tls: GatewayTlsConfig): TlsCredentials | undefined {
  if (tls.port < 0) return undefined;
  const issues: ConfigIssue[] = [];
  const read = (variable: string, path: string): Buffer | undefined => {
    try {
      return readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      issues.push({ variable, value: path, problem: `cannot read the file (${code})` });
      return undefined;
    }
  };
  const parse = <T>(variable: string, path: string, bytes: Buffer | undefined, what: string, f: () => T) => {
    if (bytes === undefined) return undefined;
    try {
      return f();
    } catch (err) {
      issues.push({ variable, value: path, problem: `not a PEM ${what} (${(err as Error).message})` });
      return undefined;
    }
  };
  const cert = read(CERT_VARIABLE, tls.certFile);
  const key = read(KEY_VARIABLE, tls.keyFile);
  const ca = tls.caFile === '' ? undefined : read(CA_VARIABLE, tls.caFile);
  const certificate = parse(
    CERT_VARIABLE,
    tls.certFile,
    cert,
    'certificate',
    () => new X509Certificate(cert!),
  );
  const privateKey: KeyObject | undefined = parse(KEY_VARIABLE, tls.keyFile, key, 'private key', () =>
    createPrivateKey(key!),
  );
  parse(CA_VARIABLE, tls.caFile, ca, 'CA certificate', () => new X509Certificate(ca!));
  if (certificate !== undefined && privateKey !== undefined && !certificate.checkPrivateKey(privateKey)) {
    issues.push({ variable: KEY_VARIABLE, value: tls.keyFile, problem: `does not match ${CERT_VARIABLE}` });
  }
  if (issues.length === 0) {
    try {
      createSecureContext({ cert, key, ca });
    } catch (err) {
      issues.push({ variable: CERT_VARIABLE, value: tls.certFile, problem: (err as Error).message });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return ca === undefined ? { cert: cert!, key: key! } : { cert: cert!, key: key!, ca };
}

/**
 * MQTT over TLS (8883): a TLS server whose decrypted sockets go to the same `accept` as TCP's, so a TLS
 * connection is an ordinary connection once the handshake is done. With a CA, client certificates are required
 * and verified. A failed handshake (wrong CA, no client certificate, plain bytes, a timeout) destroys that socket
 * only and is reported to `onHandshakeError`.
 */
export function startTlsTransport(options: {
  host: string;
  port: number;
  credentials: TlsCredentials;
  /** A client that has not finished the handshake by then is dropped (the CONNECT timeout's twin). */
  handshakeTimeoutMs: number;
  accept: AcceptConnection;
  onHandshakeError: (err: Error) => void;
}): Promise<TransportServer> {
  const { cert, key, ca } = options.credentials;
  const verifyClients = ca !== undefined;
  const server = createServer(
    {
      cert,
      key,
      ...(verifyClients ? { ca } : {}),
      requestCert: verifyClients,
      rejectUnauthorized: verifyClients,
      minVersion: 'TLSv1.2',
      handshakeTimeout: options.handshakeTimeoutMs,
      noDelay: true,
    },
    (socket: TLSSocket) => {
      options.accept(socket, 'tls', remoteAddressOf(socket), verifiedCommonName(socket));
    },
  );
  server.on('tlsClientError', (err) => options.onHandshakeError(err));
  return listenOn(server, options.host, options.port);
}

/** The subject CN of the client certificate the handshake verified; undefined without one (or without a CN). */
function verifiedCommonName(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  // A certificate may repeat CN (an array then): ambiguous, so it names no one.
  return typeof cn === 'string' && cn !== '' ? cn : undefined;
}

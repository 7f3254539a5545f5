import { ConfigError } from '@starling/config';
import { loadGatewayConfig } from '../../src/config';

function issuesOf(env: Record<string, string>): Array<[string, string]> {
  try {
    loadGatewayConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => [i.variable, i.problem]);
    throw err;
  }
  return [];
}

describe('gateway TLS configuration (GATEWAY_TLS_*)', () => {
  it('is off by default (port -1) and needs no files then', () => {
    const { config } = loadGatewayConfig({});
    expect(config.tls).toEqual({ port: -1, certFile: '', keyFile: '', caFile: '', identity: 'none' });
  });

  it('reads the port, the certificate, the key and the optional CA', () => {
    const { config, unknownVariables } = loadGatewayConfig({
      GATEWAY_TLS_PORT: '8883',
      GATEWAY_TLS_CERT_FILE: '/etc/starling/tls/tls.crt',
      GATEWAY_TLS_KEY_FILE: '/etc/starling/tls/tls.key',
      GATEWAY_TLS_CA_FILE: '/etc/starling/tls/ca.crt',
    });
    expect(config.tls).toEqual({
      port: 8883,
      certFile: '/etc/starling/tls/tls.crt',
      keyFile: '/etc/starling/tls/tls.key',
      caFile: '/etc/starling/tls/ca.crt',
      identity: 'none',
    });
    expect(unknownVariables).toEqual([]);
  });

  it('names users by certificate (GATEWAY_TLS_IDENTITY=cn) only with the CA that verifies them', () => {
    const tls = { GATEWAY_TLS_PORT: '8883', GATEWAY_TLS_CERT_FILE: 'c', GATEWAY_TLS_KEY_FILE: 'k' };
    const env = { ...tls, GATEWAY_TLS_IDENTITY: 'cn', GATEWAY_TLS_CA_FILE: 'ca' };
    expect(loadGatewayConfig(env).config.tls.identity).toBe('cn');
    expect(issuesOf({ ...tls, GATEWAY_TLS_IDENTITY: 'cn' })).toEqual([
      ['GATEWAY_TLS_CA_FILE', 'is required'],
    ]);
    expect(issuesOf({ ...tls, GATEWAY_TLS_IDENTITY: 'subject' })).toEqual([
      ['GATEWAY_TLS_IDENTITY', expect.stringContaining('none') as string],
    ]);
  });

  it('takes port 0 (the kernel chooses, for tests)', () => {
    const env = { GATEWAY_TLS_PORT: '0', GATEWAY_TLS_CERT_FILE: 'c', GATEWAY_TLS_KEY_FILE: 'k' };
    expect(loadGatewayConfig(env).config.tls.port).toBe(0);
  });

  it('names each missing file variable when the TLS port is on', () => {
    expect(issuesOf({ GATEWAY_TLS_PORT: '8883' })).toEqual([
      ['GATEWAY_TLS_CERT_FILE', 'is required'],
      ['GATEWAY_TLS_KEY_FILE', 'is required'],
    ]);
    expect(issuesOf({ GATEWAY_TLS_PORT: '8883', GATEWAY_TLS_CERT_FILE: 'c' })).toEqual([
      ['GATEWAY_TLS_KEY_FILE', 'is required'],
    ]);
  });

  it.each(['65536', '-2', 'tls', '1.5'])('refuses GATEWAY_TLS_PORT=%s', (port) => {
    const issues = issuesOf({
      GATEWAY_TLS_PORT: port,
      GATEWAY_TLS_CERT_FILE: 'c',
      GATEWAY_TLS_KEY_FILE: 'k',
    });
    expect(issues.map(([variable]) => variable)).toEqual(['GATEWAY_TLS_PORT']);
  });

  it('keeps the file variables when the port is off (no error, nothing unknown)', () => {
    const { config, unknownVariables } = loadGatewayConfig({ GATEWAY_TLS_CERT_FILE: 'c' });
    expect(config.tls.port).toBe(-1);
    expect(unknownVariables).toEqual([]);
  });
});

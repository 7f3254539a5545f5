import { connect, type Socket } from 'node:net';
import { startNatsServer, startProcess, type NatsServerHandle } from '../../src';

/** Reads the INFO line a NATS server sends to every new client: proof that a real server answers. */
function readInfo(port: number): Promise<{ server_id: string; port: number }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString();
      const line = buf.split('\r\n')[0];
      if (line !== undefined && buf.includes('\r\n')) {
        socket.destroy();
        if (!line.startsWith('INFO ')) reject(new Error(`unexpected greeting: ${line}`));
        else resolve(JSON.parse(line.slice(5)) as { server_id: string; port: number });
      }
    });
    socket.on('error', reject);
  });
}

describe('startNatsServer (real nats-server)', () => {
  let nats: NatsServerHandle | undefined;
  afterEach(async () => {
    await nats?.stop();
    nats = undefined;
  });

  it('starts on a kernel-chosen port and answers like a NATS server', async () => {
    nats = await startNatsServer();
    expect(nats.port).toBeGreaterThan(0);
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
    const info = await readInfo(nats.port);
    expect(info.port).toBe(nats.port);
  });

  it('restarts on the same port with a new server identity', async () => {
    nats = await startNatsServer();
    const before = await readInfo(nats.port);
    const pid = nats.pid;
    await nats.restart();
    expect(nats.pid).not.toBe(pid);
    const after = await readInfo(nats.port);
    expect(after.server_id).not.toBe(before.server_id);
  });

  it('fails with an install hint when the binary is missing', async () => {
    const saved = process.env['NATS_SERVER_BIN'];
    process.env['NATS_SERVER_BIN'] = '/nonexistent/nats-server';
    try {
      await expect(startNatsServer()).rejects.toThrow(/apt-get install nats-server/);
    } finally {
      if (saved === undefined) delete process.env['NATS_SERVER_BIN'];
      else process.env['NATS_SERVER_BIN'] = saved;
    }
  });
});

describe('startProcess', () => {
  it('waits for the ready line and reports how the process ended', async () => {
    const proc = await startProcess<number>({
      command: process.execPath,
      args: ['-e', 'console.log(JSON.stringify({msg:"listening",ports:{x:42}})); setInterval(()=>{}, 1000)'],
      readyWhen: (line) => (JSON.parse(line) as { ports: { x: number } }).ports.x,
    });
    expect(proc.ready).toBe(42);
    expect(await proc.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('rejects with the output when the process exits before it is ready', async () => {
    await expect(
      startProcess({
        name: 'crasher',
        command: process.execPath,
        args: ['-e', 'console.error("bad config: STORE_FSYNC"); process.exit(3)'],
        readyWhen: () => undefined,
      }),
    ).rejects.toThrow(/crasher exited \(code 3[\s\S]*bad config: STORE_FSYNC/);
  });
});

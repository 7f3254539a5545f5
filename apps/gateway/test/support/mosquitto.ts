// Debian's mosquitto command-line clients (`mosquitto_pub`, `mosquitto_sub`, libmosquitto 2.0) as a second,
// independent MQTT 3.1.1 implementation. Every run is bounded: mosquitto_sub by its own `-W`, both by a kill
// timer, so a hung tool fails the test instead of hanging it.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string[];
  stderr: string[];
}

function hostAndPort(mqttUrl: string): string[] {
  const url = new URL(mqttUrl);
  return ['-h', url.hostname, '-p', url.port, '-V', 'mqttv311'];
}

interface RunningTool {
  /** stdout lines so far. */
  readonly lines: string[];
  readonly done: Promise<ToolResult>;
  kill(): void;
}

function run(command: string, args: string[], timeoutMs: number): RunningTool {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => stdout.push(l));
  createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<ToolResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    lines: stdout,
    done,
    kill: () => {
      child.kill('SIGKILL');
    },
  };
}

export interface MosquittoPubOptions {
  topic: string;
  message: string;
  qos: 0 | 1 | 2;
  retain?: boolean;
  clientId?: string;
  /** Kill it after this long (default 10 s). */
  timeoutMs?: number;
}

/** One `mosquitto_pub`: connects, publishes (waiting for the QoS 1/2 handshake), disconnects. */
export function mosquittoPub(mqttUrl: string, o: MosquittoPubOptions): Promise<ToolResult> {
  const args = [...hostAndPort(mqttUrl), '-t', o.topic, '-m', o.message, '-q', String(o.qos)];
  if (o.retain === true) args.push('-r');
  if (o.clientId !== undefined) args.push('-i', o.clientId);
  return run('mosquitto_pub', args, o.timeoutMs ?? 10_000).done;
}

export interface MosquittoSubOptions {
  topic: string;
  qos: 0 | 1 | 2;
  /** Exit after this many messages (`-C`). */
  count: number;
  /** `-W`: exit after this many seconds whatever happened (default 10). */
  timeoutSeconds?: number;
  clientId?: string;
  will?: { topic: string; payload: string; qos: 0 | 1 | 2 };
}

export interface MosquittoMessage {
  topic: string;
  qos: number;
  retain: boolean;
  payload: string;
}

export interface MosquittoSub {
  /** Messages printed so far. */
  messages(): MosquittoMessage[];
  readonly done: Promise<ToolResult>;
  kill(): void;
}

/**
 * A `mosquitto_sub` printing `<retain> <qos> <topic> <payload>` per message. It says nothing once it is
 * subscribed: tests publish retained messages, or publish again until something arrives.
 */
export function mosquittoSub(mqttUrl: string, o: MosquittoSubOptions): MosquittoSub {
  const seconds = o.timeoutSeconds ?? 10;
  const args = [
    ...hostAndPort(mqttUrl),
    '-t',
    o.topic,
    '-q',
    String(o.qos),
    '-C',
    String(o.count),
    '-W',
    String(seconds),
    '-F',
    '%r %q %t %p',
  ];
  if (o.clientId !== undefined) args.push('-i', o.clientId);
  if (o.will !== undefined)
    args.push(
      '--will-topic',
      o.will.topic,
      '--will-payload',
      o.will.payload,
      '--will-qos',
      String(o.will.qos),
    );
  const tool = run('mosquitto_sub', args, seconds * 1000 + 5_000);
  return {
    messages: () =>
      tool.lines.map((line) => {
        const [retain = '', qos = '', topic = '', ...payload] = line.split(' ');
        return { retain: retain === '1', qos: Number(qos), topic, payload: payload.join(' ') };
      }),
    done: tool.done,
    kill: tool.kill,
  };
}

import { cpuShare, parseCpuTimes, readCpuTimes } from '../../src';

// A /proc/stat excerpt from the development VM (two CPUs), trimmed.
const STAT = [
  'cpu  7750968 0 1057825 6966230 108495 0 102572 290241 0 0',
  'cpu0 3875484 0 528912 3483115 54247 0 51286 145120 0 0',
  'intr 1 2 3',
].join('\n');

describe('machine CPU times', () => {
  it('reads the aggregate line: busy counts user, nice, system and interrupts; idle counts I/O wait', () => {
    expect(parseCpuTimes(STAT)).toEqual({
      busy: 7750968 + 1057825 + 102572,
      idle: 6966230 + 108495,
      steal: 290241,
    });
  });

  it('is undefined for a text without the aggregate line', () => {
    expect(parseCpuTimes('cpu0 1 2 3 4\nintr 5')).toBeUndefined();
  });

  it('gives busy and stolen shares of the time between two readings', () => {
    const before = { busy: 1000, idle: 500, steal: 100 };
    expect(cpuShare(before, { busy: 1600, idle: 800, steal: 200 })).toEqual({ busyPct: 60, stealPct: 10 });
    expect(cpuShare(before, before)).toBeUndefined();
    expect(cpuShare(undefined, before)).toBeUndefined();
  });

  it('reads this machine where /proc/stat exists, and counts time forward', () => {
    const first = readCpuTimes();
    if (first === undefined) return expect(process.platform).not.toBe('linux');
    const second = readCpuTimes()!;
    expect(second.busy + second.idle + second.steal).toBeGreaterThanOrEqual(
      first.busy + first.idle + first.steal,
    );
    expect(first.busy).toBeGreaterThan(0);
  });
});

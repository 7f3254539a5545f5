import { spawnSync } from 'node:child_process';
import { NO_PRETENURING_FLAG } from '../../src/gc-tuning';

/**
 * A burst in miniature: 500 batches of 1,000 records from one object literal, each batch kept alive for
 * the next 200 (so most records outlive several scavenges, as when a store is saturated). With
 * `--trace-pretenuring-statistics` V8 prints each allocation-site decision, "=> tenure" when a site is
 * moved to the old generation for good.
 */
const BURST = `
let pending = [];
const batches = [];
for (let b = 0; b < 500; b++) {
  for (let k = 0; k < 1000; k++) pending.push({ topic: 't', position: b * 1000 + k, size: 10, retain: false });
  batches.push(pending);
  pending = [];
  if (batches.length > 200) batches.shift();
}
`;

function tenureDecisions(setFlagFirst: boolean): number {
  const prelude = setFlagFirst
    ? `require('node:v8').setFlagsFromString(${JSON.stringify(NO_PRETENURING_FLAG)});`
    : '';
  const child = spawnSync(process.execPath, ['--trace-pretenuring-statistics', '-e', prelude + BURST], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(child.status).toBe(0);
  return (child.stdout.match(/=> tenure/g) ?? []).length;
}

describe('disableAllocationSitePretenuring', () => {
  it('a burst makes V8 pretenure an allocation site by default (the control)', () => {
    expect(tenureDecisions(false)).toBeGreaterThan(0);
  });

  it('with the flag set at run time, the same burst pretenures nothing', () => {
    expect(tenureDecisions(true)).toBe(0);
  });
});

// Benchmark: TopicMatcher at one million registered filters, and topic name validation.
// Run with `pnpm --filter @starling/mqtt-topic bench` (needs --expose-gc for the heap figure).
// Prints one JSON line per scenario, then a table. Every figure is measured on this run.
import { TopicMatcher, validateTopicName } from '../src/index';
import { prng } from '../test/support/prng';

const TARGET_BYTES_PER_FILTER = 300;
const TARGET_MATCHES_PER_SECOND = 500_000;
const FILTERS = 1_000_000;
const WILDCARD_SHARE = 0.1;
const TOPICS_PER_ROUND = 500_000;
const ROUNDS = 3;

interface ScenarioResult {
  readonly scenario: string;
  readonly [figure: string]: string | number | boolean | readonly number[];
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('run node with --expose-gc: the heap figure needs global.gc()\n');
  process.exit(2);
}

/** Heap used plus typed-array backing stores (the exact-filter table keeps its keys off the JS heap). */
function heapUsed(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

// Topics arrive in packets and are decoded into flat strings; template literals build
// concatenation trees instead, which would misstate both memory and lookup cost.
const wire = Buffer.alloc(65_535);
function fromWire(text: string): string {
  const length = wire.write(text, 0, 'utf8');
  return wire.toString('utf8', 0, length);
}

const EXACT_DEVICES = 600_000;
const TENANTS = 30_000;
const DEVICES_PER_TENANT = 7;
const SITES = 40_000;
const HOMES = 18_000;
const ROOMS = ['kitchen', 'hall', 'bedroom', 'bath', 'garage'] as const;

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** The n-th of the million filters: 90% exact, 10% with wildcards of several shapes. */
function filterAt(n: number): string {
  const wildcards = FILTERS * WILDCARD_SHARE;
  if (n < wildcards) {
    // 40% `sensors/<site>/#`, 30% `tenants/<t>/devices/+/cmd`, 20% `fleet/...` with + and #,
    // the rest home automation with '+' in the middle, plus a few broad monitoring filters.
    if (n < 40_000) return `sensors/site-${n}/#`;
    if (n < 70_000) return `tenants/t${n - 40_000}/devices/+/cmd`;
    if (n < 90_000) return `fleet/r${(n - 70_000) % 50}/+/v${n - 70_000}/#`;
    if (n < wildcards - 10) return `home/h${n - 90_000}/+/temperature`;
    return [
      'devices/+/cmd',
      'devices/+/status',
      '+/alarm/#',
      '+/+/+/fault',
      'sensors/+/floor-1/#',
      'tenants/+/devices/+/state',
      '$SYS/broker/#',
      'home/+/+/light',
      'fleet/+/+/+/position',
      'devices/dev-1/+',
    ][n - (wildcards - 10)]!;
  }
  const e = n - wildcards;
  if (e < EXACT_DEVICES) return `devices/dev-${e}/cmd`;
  if (e < EXACT_DEVICES + TENANTS * DEVICES_PER_TENANT) {
    const i = e - EXACT_DEVICES;
    return `tenants/t${i % TENANTS}/devices/d${Math.floor(i / TENANTS)}/state`;
  }
  const i = e - EXACT_DEVICES - TENANTS * DEVICES_PER_TENANT;
  return `home/h${i % HOMES}/${ROOMS[Math.floor(i / HOMES) % ROOMS.length]!}/light`;
}

/** Realistic traffic: mostly devices hitting their own exact filter, some wildcard hits, some misses. */
function makeTopics(random: () => number, count: number): string[] {
  const topics: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const r = random();
    let topic: string;
    if (r < 0.6) topic = `devices/dev-${Math.floor(random() * EXACT_DEVICES * 1.1)}/cmd`;
    else if (r < 0.75) {
      const leaf = random() < 0.5 ? 'state' : 'cmd';
      topic = `tenants/t${Math.floor(random() * TENANTS)}/devices/d${Math.floor(random() * DEVICES_PER_TENANT)}/${leaf}`;
    } else if (r < 0.85)
      topic = `sensors/site-${Math.floor(random() * SITES)}/floor-${Math.floor(random() * 4)}/temp`;
    else if (r < 0.92)
      topic = `home/h${Math.floor(random() * HOMES)}/${pick(random, ROOMS)}/${random() < 0.5 ? 'light' : 'temperature'}`;
    else if (r < 0.96)
      topic = `fleet/r${Math.floor(random() * 50)}/truck/v${Math.floor(random() * 20_000)}/position`;
    else topic = `unknown/${Math.floor(random() * 1e9)}/x`;
    topics[i] = fromWire(topic);
  }
  return topics;
}

function measureMatcher(): ScenarioResult[] {
  const before = heapUsed();
  const matcher = new TopicMatcher();
  const added = Date.now();
  for (let n = 0; n < FILTERS; n++) matcher.add(fromWire(filterAt(n)));
  const addSeconds = (Date.now() - added) / 1000;
  const after = heapUsed();
  const filtersHeld = matcher.size;
  const bytesPerFilter = (after - before) / filtersHeld;

  const random = prng(0x5eed);
  // Warm up the JIT on topics that are not measured.
  for (const topic of makeTopics(random, 200_000)) matcher.match(topic);

  // Each round matches fresh string objects, generated in small batches just before they are
  // matched and outside the timed section: a gateway matches a topic it has just decoded (so the
  // string is in cache) and has never hashed (a string caches its hash, so matching one array of
  // topics twice would flatter the Map lookups).
  const arrayRounds: number[] = [];
  const callbackRounds: number[] = [];
  let matched = 0;
  let counted = 0;
  const visit = (): void => {
    counted += 1;
  };
  for (let round = 0; round < ROUNDS; round++) {
    arrayRounds.push(
      timedInBatches(random, (topics) => {
        for (let i = 0; i < topics.length; i++) matched += matcher.match(topics[i]!).length;
      }),
    );
    callbackRounds.push(
      timedInBatches(random, (topics) => {
        for (let i = 0; i < topics.length; i++) matcher.forEachMatch(topics[i]!, visit);
      }),
    );
  }
  const best = Math.max(...arrayRounds);
  const bestCallback = Math.max(...callbackRounds);
  const topicsMatched = TOPICS_PER_ROUND * ROUNDS;
  return [
    {
      scenario: 'matcher-1m',
      filtersHeld,
      wildcardFilters: FILTERS * WILDCARD_SHARE,
      heapBytes: after - before,
      bytesPerFilter: Math.round(bytesPerFilter * 10) / 10,
      addsPerSecond: Math.round(FILTERS / addSeconds),
      matchesPerSecond: Math.round(best),
      roundsMatchesPerSecond: arrayRounds.map(Math.round),
      filtersMatchedPerTopic: Math.round((matched / topicsMatched) * 100) / 100,
      targetBytesPerFilter: TARGET_BYTES_PER_FILTER,
      targetMatchesPerSecond: TARGET_MATCHES_PER_SECOND,
      pass: bytesPerFilter <= TARGET_BYTES_PER_FILTER && best >= TARGET_MATCHES_PER_SECOND,
    },
    {
      scenario: 'matcher-1m-for-each',
      filtersHeld,
      matchesPerSecond: Math.round(bestCallback),
      roundsMatchesPerSecond: callbackRounds.map(Math.round),
      filtersMatchedPerTopic: Math.round((counted / topicsMatched) * 100) / 100,
      targetMatchesPerSecond: TARGET_MATCHES_PER_SECOND,
      pass: bestCallback >= TARGET_MATCHES_PER_SECOND,
    },
  ];
}

// The store's filters scenario (apps/store/bench, issue 3) in miniature: the same message workload against
// 1,000 and against 1,000,000 registered filters, in one process, measured alternately so that both see
// the same load. Between batches of 1,000 topics a sweep through EVICT_BYTES evicts the caches, as the
// store's append and index work does between two dispatches: matching at a million filters is bound by
// cache and TLB misses, which a loop over hot tables would never show.
const STORE_TOPIC_BATCH = 1_000;
const STORE_BATCHES = 200;
const STORE_REPEATS = 9;
const EVICT_BYTES = 16 * 2 ** 20;

/** apps/store/bench's filterSet: 90% `devices/<i>/cmd`, 5% `devices/+/cmd<k>`, 5% `sensors/<s>/#`. */
function storeFilters(total: number): string[] {
  const exact = Math.round(total * 0.9);
  const filters: string[] = [];
  for (let i = 0; i < exact; i++) filters.push(fromWire(`devices/${i}/cmd`));
  for (let k = 0; k < (total - exact) / 2; k++) filters.push(fromWire(`devices/+/cmd${k}`));
  for (let s = 0; filters.length < total; s++) filters.push(fromWire(`sensors/${s}/#`));
  return filters;
}

/** apps/store/bench's filterWorkload: 1,000 topics, each matching exactly one of the first 1,000 filters. */
function storeTopics(): string[] {
  const topics: string[] = [];
  for (let i = 0; i < 800; i++) topics.push(`devices/${i}/cmd`);
  for (let k = 0; k < 50; k++) for (let j = 0; j < 2; j++) topics.push(`devices/${900 + k * 2 + j}/cmd${k}`);
  for (let s = 0; s < 50; s++) for (let j = 0; j < 2; j++) topics.push(`sensors/${s}/temp${j}`);
  const order = topics.map((t, i) => ({ t, key: (i * 7919) % topics.length })).sort((a, b) => a.key - b.key);
  return order.map((o) => fromWire(o.t));
}

function measureStoreShape(): ScenarioResult {
  const topics = storeTopics();
  const loaded = (total: number): { matcher: TopicMatcher; bytesPerFilter: number } => {
    const filters = storeFilters(total);
    const before = heapUsed();
    const matcher = new TopicMatcher();
    for (const filter of filters) matcher.add(filter);
    return { matcher, bytesPerFilter: (heapUsed() - before) / total };
  };
  const thousand = loaded(1_000);
  const million = loaded(1_000_000);
  const evict = new Int32Array(EVICT_BYTES / 4);
  let matched = 0;
  let looked = 0;
  const into: string[] = [];
  const nsPerMatch = (matcher: TopicMatcher): number => {
    let nanoseconds = 0n;
    for (let batch = 0; batch < STORE_BATCHES; batch++) {
      for (let i = 0; i < evict.length; i += 16) evict[i] = (evict[i] ?? 0) + 1;
      const start = process.hrtime.bigint();
      for (let i = 0; i < topics.length; i++) {
        into.length = 0;
        matched += matcher.match(topics[i]!, into).length;
      }
      looked += topics.length;
      nanoseconds += process.hrtime.bigint() - start;
    }
    return Number(nanoseconds) / (STORE_BATCHES * STORE_TOPIC_BATCH);
  };
  nsPerMatch(thousand.matcher);
  nsPerMatch(million.matcher);
  const at1k: number[] = [];
  const at1m: number[] = [];
  for (let r = 0; r < STORE_REPEATS; r++) {
    at1k.push(nsPerMatch(thousand.matcher));
    at1m.push(nsPerMatch(million.matcher));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const tenths = (x: number): number => Math.round(x * 10) / 10;
  return {
    scenario: 'matcher-store-1k-vs-1m',
    filtersHeld: million.matcher.size,
    filtersMatchedPerTopic: tenths(matched / looked),
    nsPerMatch1k: Math.round(median(at1k)),
    nsPerMatch1m: Math.round(median(at1m)),
    extraNsPerMatch1m: Math.round(median(at1m) - median(at1k)),
    rounds1k: at1k.map(Math.round),
    rounds1m: at1m.map(Math.round),
    bytesPerFilter1m: tenths(million.bytesPerFilter),
    evictBytesBetweenBatches: EVICT_BYTES,
  };
}

function measureValidation(): ScenarioResult {
  const topics = makeTopics(prng(7), TOPICS_PER_ROUND);
  let valid = 0;
  for (let i = 0; i < 100_000; i++) if (validateTopicName(topics[i]!).ok) valid += 1;
  const start = process.hrtime.bigint();
  for (let i = 0; i < topics.length; i++) if (validateTopicName(topics[i]!).ok) valid += 1;
  const rate = ratePerSecond(topics.length, start);
  return { scenario: 'validate-topic-name', names: topics.length, valid, namesPerSecond: Math.round(rate) };
}

const BATCH = 1_000;

/** Topics per second for `run` over TOPICS_PER_ROUND fresh topics, timing only `run`. */
function timedInBatches(random: () => number, run: (topics: readonly string[]) => void): number {
  let nanoseconds = 0n;
  for (let done = 0; done < TOPICS_PER_ROUND; done += BATCH) {
    const topics = makeTopics(random, BATCH);
    const start = process.hrtime.bigint();
    run(topics);
    nanoseconds += process.hrtime.bigint() - start;
  }
  return TOPICS_PER_ROUND / (Number(nanoseconds) / 1e9);
}

function ratePerSecond(count: number, start: bigint): number {
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return count / seconds;
}

function main(): void {
  const results = [...measureMatcher(), measureStoreShape(), measureValidation()];
  for (const result of results) process.stdout.write(`${JSON.stringify(result)}\n`);
  const rows = results.map((r) => ({
    scenario: r.scenario,
    filters: r['filtersHeld'] ?? '',
    'bytes/filter': r['bytesPerFilter'] ?? r['bytesPerFilter1m'] ?? '',
    'per second': r['matchesPerSecond'] ?? r['namesPerSecond'] ?? '',
    'ns/match 1k, 1M':
      r['nsPerMatch1k'] === undefined ? '' : [r['nsPerMatch1k'], r['nsPerMatch1m']].join(', '),
    pass: r['pass'] ?? '',
  }));
  console.table(rows);
  process.stdout.write(
    `node ${process.version}, ${process.arch}; throughput is the best of ${ROUNDS} rounds of ${TOPICS_PER_ROUND} fresh topics\n`,
  );
  if (results.some((r) => r['pass'] === false)) process.exitCode = 1;
}

main();

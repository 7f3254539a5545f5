export { prng } from '@starling/test-harness';

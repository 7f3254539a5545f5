import { Registry, collectDefaultMetrics } from 'prom-client';

export interface RegistryOptions {
  /** Used as the prefix check hint only; metric names carry `starling_<service>_` themselves. */
  service: string;
  /** Process and Node.js runtime metrics (on by default; tests that build many registries turn them off). */
  defaultMetrics?: boolean;
}

/**
 * A private registry per service instance: never prom-client's global one, so that several services in one
 * process (standalone mode, tests) each export exactly their own metrics.
 */
export function createRegistry(options: RegistryOptions): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

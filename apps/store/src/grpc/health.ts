import type { ServerWritableStream } from '@grpc/grpc-js';
import type { HealthHandlers } from '@starling/proto';

type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

interface HealthCheckResponse {
  status: ServingStatus;
}

/**
 * grpc.health.v1.Health for one server. Service names are the fully qualified gRPC service names;
 * '' is the server as a whole. `Watch` streams every change, as Kubernetes' gRPC probes and grpc-health-probe
 * expect; on shutdown every service turns NOT_SERVING before the server stops.
 */
export function createHealthService(services: readonly string[]) {
  const statuses = new Map<string, ServingStatus>([['', 'NOT_SERVING']]);
  for (const s of services) statuses.set(s, 'NOT_SERVING');
  const watchers = new Map<string, Set<ServerWritableStream<unknown, HealthCheckResponse>>>();

  const notify = (service: string): void => {
    const status = statuses.get(service) ?? 'SERVICE_UNKNOWN';
    for (const w of watchers.get(service) ?? []) w.write({ status });
  };

  const handlers = {
    Check(call, callback) {
      const status = statuses.get(call.request.service);
      if (status === undefined) callback({ code: 5, details: `unknown service "${call.request.service}"` });
      else callback(null, { status });
    },
    Watch(call) {
      const service = call.request.service;
      const stream = call as unknown as ServerWritableStream<unknown, HealthCheckResponse>;
      let set = watchers.get(service);
      if (!set) watchers.set(service, (set = new Set()));
      set.add(stream);
      stream.write({ status: statuses.get(service) ?? 'SERVICE_UNKNOWN' });
      call.on('cancelled', () => set.delete(stream));
    },
  } satisfies HealthHandlers;

  return {
    handlers,
    /** Sets every service (and the server) serving or not. */
    setServing(serving: boolean): void {
      for (const s of statuses.keys()) {
        statuses.set(s, serving ? 'SERVING' : 'NOT_SERVING');
        notify(s);
      }
    },
    /** Ends every Watch stream (shutdown). */
    close(): void {
      for (const set of watchers.values()) for (const w of set) w.end();
      watchers.clear();
    },
  };
}

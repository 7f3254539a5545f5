import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  malformedRequestOf,
  type AppendStreamRequestOutput,
  type AppendStreamResponse,
} from '@starling/proto';
import type { Store } from '../store';
import { CODE_NAMES, type HandlerContext } from './handler';
import { appendPositions, invalidArgument, unavailable, type StoreRequestError } from './status';

type AppendStreamCall = ServerDuplexStream<AppendStreamRequestOutput, AppendStreamResponse>;

/**
 * Batches of one stream the store works on at once, by default. Beyond this it stops reading the stream until
 * half of them are answered, and HTTP/2 flow control holds the client back (unary calls had the same bound in
 * HTTP/2's concurrent-stream limit).
 */
export const APPEND_STREAM_MAX_BATCHES = 256;

/**
 * StoreService.AppendStream: AppendMessages on one long-lived stream, one request per batch (store.proto). Each
 * batch is validated, appended and answered exactly as an AppendMessages call would be, its refusal included,
 * but as a response carrying its batch id rather than as the call's status: the stream goes on. Batches go to
 * `store.append` in the order they arrive, so they are appended in request order.
 *
 * The stream ends after every batch it received has been answered: with OK once the client half-closes, with
 * INVALID_ARGUMENT when a request cannot be decoded (its batch id is unknown, so it cannot be answered alone),
 * and with UNAVAILABLE when the server shuts down (`streams` holds an `end` that does that).
 */
export function handleAppendStream(
  store: Store,
  context: HandlerContext,
  maxBatches: number,
  streams: Set<{ end(): void }>,
  call: AppendStreamCall,
): void {
  const resumeAt = Math.floor(maxBatches / 2);
  const shard = store.shardIndex;
  let outstanding = 0;
  /** Why the stream ends once `outstanding` is 0; undefined while it is open. */
  let ending: StoreRequestError | 'half-closed' | undefined;
  let done = false;
  const handle = { end: () => endWith(unavailable('not-serving', 'the store is shutting down; reconnect')) };
  streams.add(handle);

  const count = (code: status): void => {
    context.metrics?.grpcRequests.inc({ method: 'AppendStream', code: CODE_NAMES[code] ?? String(code) });
  };
  const finish = (): void => {
    if (done || ending === undefined || outstanding > 0) return;
    done = true;
    streams.delete(handle);
    if (ending === 'half-closed') call.end();
    else call.emit('error', ending.toServiceError());
  };
  const endWith = (why: StoreRequestError | 'half-closed'): void => {
    ending ??= why;
    finish();
  };
  const answer = (response: AppendStreamResponse): void => {
    outstanding--;
    if (outstanding === resumeAt && call.isPaused()) call.resume();
    if (!done && !call.cancelled) call.write(response);
    finish();
  };
  const refuse = (batchId: number, err: StoreRequestError): void => {
    context.metrics?.rejected.inc({ reason: err.reason });
    count(err.code);
    answer({ batchId, code: err.code, details: err.message, reason: err.reason });
  };

  call.on('data', (req: AppendStreamRequestOutput) => {
    if (ending !== undefined) return; // after a malformed request or shutdown nothing more is read
    const malformed = malformedRequestOf(req);
    if (malformed) {
      const err = invalidArgument('malformed-request', `AppendStreamRequest: ${malformed.message}`);
      context.metrics?.rejected.inc({ reason: err.reason });
      count(err.code);
      endWith(err);
      return;
    }
    const { batchId } = req;
    if (++outstanding === maxBatches) {
      context.metrics?.appendStreamPauses.inc();
      call.pause();
    }
    if (!context.isServing()) {
      refuse(batchId, unavailable('not-serving', 'the store is starting or shutting down; retry'));
      return;
    }
    store.append(req.messages).then(
      (outcome) => {
        let positions: readonly number[];
        try {
          positions = appendPositions(outcome);
        } catch (err) {
          refuse(batchId, err as StoreRequestError);
          return;
        }
        count(status.OK);
        answer({ positions: positions as number[], shard, batchId });
      },
      (err: unknown) => {
        context.logger.error({ err, method: 'AppendStream' }, 'request failed');
        count(status.INTERNAL);
        answer({
          batchId,
          code: status.INTERNAL,
          details: 'internal error; see the store log',
          reason: 'internal',
        });
      },
    );
  });
  call.on('end', () => endWith('half-closed'));
  const gone = (): void => {
    done = true;
    streams.delete(handle);
  };
  call.once('cancelled', gone);
  call.once('close', gone);
}

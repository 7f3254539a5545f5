import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { AppendOutcome } from '../store';

/**
 * A gRPC error the store sends on purpose: a precise status and a message naming what was wrong.
 * `reason` is a short stable word for the rejected-requests metric and for clients that branch on it
 * (also sent as the `starling-reason` trailer).
 */
export class StoreRequestError extends Error {
  constructor(
    readonly code: status,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'StoreRequestError';
  }

  toServiceError(): Partial<ServiceError> {
    const metadata = new Metadata();
    metadata.set('starling-reason', this.reason);
    return { code: this.code, details: this.message, metadata };
  }
}

export const invalidArgument = (reason: string, message: string): StoreRequestError =>
  new StoreRequestError(status.INVALID_ARGUMENT, reason, message);
export const failedPrecondition = (reason: string, message: string): StoreRequestError =>
  new StoreRequestError(status.FAILED_PRECONDITION, reason, message);
export const notFound = (reason: string, message: string): StoreRequestError =>
  new StoreRequestError(status.NOT_FOUND, reason, message);
export const resourceExhausted = (reason: string, message: string): StoreRequestError =>
  new StoreRequestError(status.RESOURCE_EXHAUSTED, reason, message);
export const unavailable = (reason: string, message: string): StoreRequestError =>
  new StoreRequestError(status.UNAVAILABLE, reason, message);

/** Throws the gRPC error for a refused append; returns the positions otherwise. */
export function appendPositions(outcome: AppendOutcome): readonly number[] {
  switch (outcome.status) {
    case 'ok':
      return outcome.positions;
    case 'empty-batch':
      throw invalidArgument('empty-batch', outcome.message);
    case 'invalid-topic':
      throw invalidArgument('invalid-topic', outcome.message);
    case 'invalid-qos':
      throw invalidArgument('invalid-qos', outcome.message);
    case 'too-large':
      throw resourceExhausted('message-too-large', outcome.message);
    case 'batch-too-large':
      throw resourceExhausted('batch-too-large', outcome.message);
    case 'wrong-shard':
      throw failedPrecondition('wrong-shard', outcome.message);
  }
}

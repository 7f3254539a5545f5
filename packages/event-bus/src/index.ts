export type {
  ArrivalEvent,
  ArrivalHandler,
  BusQueueRef,
  BusSubscription,
  EventBus,
  RequestHandler,
  RequestOutcome,
} from './event-bus';
export type { EventBusLogger } from './logger';
export type { EventBusStats } from './stats';
export {
  connectNatsEventBus,
  connectNatsEventBusWithRetry,
  REPLY_ERROR_HEADER,
  type FirstConnectRetry,
  type NatsEventBus,
  type NatsEventBusOptions,
} from './nats-event-bus';
export {
  createInProcessEventBus,
  createInProcessHub,
  type InProcessEventBus,
  type InProcessEventBusOptions,
  type InProcessHub,
} from './in-process-event-bus';
export { arrivalSubject, queueFromArrivalSubject, takeoverSubject } from './subjects';
export { decodeArrivalEvent, encodeArrivalEvent, ArrivalEventInvalidError } from './arrival-codec';
export { SubjectAlreadyServedError } from './errors';

export type {
  ArrivalEvent,
  ArrivalHandler,
  BusQueueRef,
  BusSubscription,
  EventBus,
  RequestHandler,
  RequestOutcome,
} from './event-bus';

export {
  createDeliveryEngine,
  type DeliveryEngineHandle,
  type DeliveryEngineOptions,
} from './delivery-engine';
export { PacketIdAllocator, MAX_PACKET_ID } from './packet-id-allocator';
export { CursorOffsets } from './cursor-offsets';
export { QueueReader, type PullTrigger, type ReaderCursor } from './queue-reader';
export { parkedKey, recoveredDelivery } from './recovered-delivery';

export { startGateway, type Gateway, type GatewayOptions } from './gateway';
export { loadGatewayConfig, type GatewayConfig, type GatewayLimits } from './config';
export { createGatewayMetrics, type GatewayMetrics } from './metrics';
export {
  createStoreAccess,
  type StoreAccessHandle,
  type StoreAccessOptions,
  type StoreClient,
} from './store-access';
export { createDeliveryEngine, type DeliveryEngineHandle, type DeliveryEngineOptions } from './delivery';
export { hashPasswordLine, parseAuthFile, AuthFileError } from './auth';
export {
  AccessControl,
  AclFileError,
  parseAclFile,
  readAclRules,
  type AclRule,
  type ClientAccess,
} from './acl';
export type * from './types';

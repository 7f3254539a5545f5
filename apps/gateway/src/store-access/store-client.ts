import type { StoreServiceClient } from '@starling/proto';

/**
 * The StoreService calls the store access makes. A gRPC client is one; standalone passes the store's in-process
 * client (the same handlers called directly, see the store's `inProcessClient()`).
 */
export type StoreClient = Pick<
  StoreServiceClient,
  | 'AppendMessages'
  | 'PullMessages'
  | 'RegisterFilter'
  | 'UnregisterFilter'
  | 'CommitOffsets'
  | 'FetchOffsets'
  | 'OpenSession'
  | 'UpdateSession'
  | 'CloseSession'
  | 'GetSession'
  | 'MatchRetained'
  | 'RenewOwnerLease'
  | 'close'
> &
  /** A gRPC client has it (the Appender uses it); the store's in-process client does not. */
  Partial<Pick<StoreServiceClient, 'AppendStream'>>;

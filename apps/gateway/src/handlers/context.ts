import type { TopicLimits } from '@starling/mqtt-topic';
import type { AccessControl } from '../acl';
import type { Authenticator } from '../auth';
import type { GatewayConfig } from '../config';
import type { LocalSessions } from '../session/local-sessions';
import type { DeliveryEngine, GatewayContext } from '../types';

/** What every handler may use: the gateway context plus the parts the packet layer composes. */
export interface HandlerContext extends GatewayContext {
  readonly config: GatewayConfig;
  readonly delivery: DeliveryEngine;
  readonly sessions: LocalSessions;
  readonly auth: Authenticator;
  /** Topic authorization; undefined without an ACL file (everything allowed). */
  readonly acl: AccessControl | undefined;
  readonly topicLimits: TopicLimits;
  /** How long a takeover waits for the old connection's session to be released. */
  readonly takeoverWaitMs: number;
}

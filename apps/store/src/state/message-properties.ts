/**
 * The MQTT 5 PUBLISH properties kept with a retained message or a will (store.proto
 * `MessageProperties`), as a plain object that MessagePack stores as is. Every field is optional
 * so the proto loader's output type fits without conversion.
 */
export interface MessageProperties {
  readonly payloadFormatIndicator?: boolean;
  /** Lifetime in seconds from the message's timestamp; absent: never expires. */
  readonly messageExpiryIntervalSeconds?: number;
  readonly contentType?: string;
  readonly responseTopic?: string;
  readonly correlationData?: Uint8Array;
  /** In the order the publisher sent them; duplicates kept. */
  readonly userProperties?: ReadonlyArray<{ readonly key: string; readonly value: string }>;
}

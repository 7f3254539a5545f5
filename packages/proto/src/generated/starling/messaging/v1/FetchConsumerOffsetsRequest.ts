// Original file: ../../proto/starling/messaging/v1/messaging.proto


export interface FetchConsumerOffsetsRequest {
  'group'?: (string);
  'topics'?: (string)[];
}

export interface FetchConsumerOffsetsRequest__Output {
  'group': (string);
  'topics': (string)[];
}

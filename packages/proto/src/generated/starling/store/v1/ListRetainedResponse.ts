// Original file: ../../proto/starling/store/v1/store.proto

import type { RetainedMessage as _starling_store_v1_RetainedMessage, RetainedMessage__Output as _starling_store_v1_RetainedMessage__Output } from '../../../starling/store/v1/RetainedMessage';

export interface ListRetainedResponse {
  'messages'?: (_starling_store_v1_RetainedMessage)[];
  'nextPageToken'?: (string);
}

export interface ListRetainedResponse__Output {
  'messages': (_starling_store_v1_RetainedMessage__Output)[];
  'nextPageToken': (string);
}

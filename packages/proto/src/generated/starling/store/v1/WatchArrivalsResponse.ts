// Original file: ../../proto/starling/store/v1/store.proto

import type { Arrival as _starling_store_v1_Arrival, Arrival__Output as _starling_store_v1_Arrival__Output } from '../../../starling/store/v1/Arrival';

export interface WatchArrivalsResponse {
  'arrivals'?: (_starling_store_v1_Arrival)[];
}

export interface WatchArrivalsResponse__Output {
  'arrivals': (_starling_store_v1_Arrival__Output)[];
}

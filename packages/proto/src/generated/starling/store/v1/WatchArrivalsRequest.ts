// Original file: ../../proto/starling/store/v1/store.proto


export interface WatchArrivalsRequest {
  'replayEndOffsets'?: (boolean);
  'replayOnly'?: (boolean);
}

export interface WatchArrivalsRequest__Output {
  'replayEndOffsets': (boolean);
  'replayOnly': (boolean);
}

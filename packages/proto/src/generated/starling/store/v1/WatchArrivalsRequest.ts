// Original file: ../../proto/starling/store/v1/store.proto


export interface WatchArrivalsRequest {
  'replayEndOffsets'?: (boolean);
}

export interface WatchArrivalsRequest__Output {
  'replayEndOffsets': (boolean);
}

export { covers } from './covers';
export { InvalidTopicFilterError } from './invalid-topic-filter-error';
export { matches } from './matches';
export { TopicMatcher } from './topic-matcher';
export { filterFirstLevelIsWildcard, firstLevel, isWildcardFilter } from './topic-levels';
export {
  MAX_TOPIC_BYTES,
  validateTopicFilter,
  validateTopicName,
  type TopicLimits,
  type TopicProblem,
  type TopicValidation,
} from './validate-topic';

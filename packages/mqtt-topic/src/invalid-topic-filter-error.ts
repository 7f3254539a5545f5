import { type TopicProblem } from './validate-topic';

/**
 * Thrown by `TopicMatcher.add` for a string that is not a valid topic filter. Refusing a bad
 * SUBSCRIBE is an expected outcome and belongs to `validateTopicFilter`; reaching the matcher
 * with one is a bug in the caller, hence an exception.
 */
export class InvalidTopicFilterError extends Error {
  readonly code = 'MQTT_TOPIC_FILTER_INVALID';

  constructor(
    readonly filter: string,
    readonly reason: TopicProblem,
    message: string,
  ) {
    super(
      `invalid topic filter ${JSON.stringify(filter.length > 200 ? `${filter.slice(0, 200)}…` : filter)}: ${message}`,
    );
    this.name = 'InvalidTopicFilterError';
  }
}

import type { Counter, Gauge, Histogram } from 'prom-client';
import type { Metrics } from '@keypool/platform';

export interface ConsumerMetrics {
  consumed: Counter<string>;
  duplicates: Counter<string>;
  retries: Counter<string>;
  deadLettered: Counter<string>;
  handleSeconds: Histogram<string>;
  waiting: Gauge<string>;
  transientFailures: Counter<string>;
}

export function consumerMetrics(metrics: Metrics): ConsumerMetrics {
  return {
    consumed: metrics.counter('keypool_events_consumed_total', 'Events handled for the first time', ['consumer']),
    duplicates: metrics.counter('keypool_events_redelivered_total', 'Events seen again and skipped by the inbox', ['consumer']),
    retries: metrics.counter('keypool_handler_retries_total', 'Handler attempts that failed and were retried', ['consumer']),
    deadLettered: metrics.counter('keypool_events_dead_lettered_total', 'Messages sent to a dead-letter topic', ['consumer', 'topic']),
    handleSeconds: metrics.histogram(
      'keypool_handler_seconds',
      'Time to handle one chunk of events in its transaction',
      ['consumer', 'outcome'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    ),
    waiting: metrics.gauge('keypool_consumer_waiting', '1 while the consumer waits for a dependency that is away, else 0', ['consumer']),
    transientFailures: metrics.counter(
      'keypool_consumer_transient_failures_total',
      'Tries that failed because a dependency was away (retried without limit, never dead-lettered)',
      ['consumer'],
    ),
  };
}

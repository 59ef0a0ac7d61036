import { Counter, Histogram, Registry } from 'prom-client';

export interface ConsumerMetrics {
  consumed: Counter<string>;
  duplicates: Counter<string>;
  retries: Counter<string>;
  deadLettered: Counter<string>;
  handleSeconds: Histogram<string>;
}

export function consumerMetrics(registry: Registry): ConsumerMetrics {
  const counter = (name: string, help: string, labelNames: string[]) =>
    (registry.getSingleMetric(name) as Counter<string>) ?? new Counter({ name, help, labelNames, registers: [registry] });
  return {
    consumed: counter('keypool_events_consumed_total', 'Events handled for the first time', ['consumer']),
    duplicates: counter('keypool_events_redelivered_total', 'Events seen again and skipped by the inbox', ['consumer']),
    retries: counter('keypool_handler_retries_total', 'Handler attempts that failed and were retried', ['consumer']),
    deadLettered: counter('keypool_events_dead_lettered_total', 'Messages sent to a dead-letter topic', ['consumer', 'topic']),
    handleSeconds:
      (registry.getSingleMetric('keypool_handler_seconds') as Histogram<string>) ??
      new Histogram({
        name: 'keypool_handler_seconds',
        help: 'Time to handle one chunk of events in its transaction',
        labelNames: ['consumer', 'outcome'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      }),
  };
}

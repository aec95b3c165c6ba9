import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  eventsPublished: Counter;
  apolloPlugin: ApolloServerPlugin;
  trackSubscriptions(count: () => number): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'metalake_' });
  const operations = new Histogram({
    name: 'metalake_graphql_operation_duration_seconds',
    help: 'GraphQL operation duration over HTTP, by operation type and outcome',
    labelNames: ['type', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const eventsPublished = new Counter({ name: 'metalake_change_events_published_total', help: 'Change events moved from the outbox to the change feed', registers: [registry] });
  return {
    registry,
    eventsPublished,
    trackSubscriptions(count) {
      new Gauge({ name: 'metalake_subscriptions_open', help: 'Open GraphQL subscriptions on this replica', registers: [registry], collect() { this.set(count()); } });
    },
    apolloPlugin: {
      requestDidStart() {
        const end = operations.startTimer();
        return Promise.resolve({
          willSendResponse(rc) {
            end({ type: rc.operation?.operation ?? 'unknown', outcome: rc.errors?.length ? 'error' : 'ok' });
            return Promise.resolve();
          },
        });
      },
    },
  };
}

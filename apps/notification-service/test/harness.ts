import type { INestApplication } from '@nestjs/common';
import { dataschemaOf, exampleEventData, type EventDataOf, type EventType, type TopicName } from '@keypool/contracts';
import { Envelope, envelope } from '@keypool/messaging';
import {
  SINK_API_KEY,
  SinkProcess,
  TestDatabase,
  freshDatabase,
  produceCloudEvents,
  startTestApp,
  testKafka,
  testServiceEnv,
  topicsOf,
} from '@keypool/testing';
import { AppModule } from '../src/app.module';

export const kafka = testKafka('notification-test');

export interface RunningService {
  app: INestApplication;
  url: string;
  db: TestDatabase;
  topics: Record<TopicName, string>;
  stop(): Promise<void>;
  /** Stops the app, runs `meanwhile` (e.g. a consumer group reset), starts it again on the same database and topics. */
  restart(meanwhile?: () => Promise<void>): Promise<void>;
}

/** The service in-process against its own database and topics, sending through the sink child process. */
export async function startNotificationService(label: string, sink: SinkProcess, extra: Record<string, string> = {}): Promise<RunningService> {
  const db = await freshDatabase(label);
  const env = testServiceEnv(db.url, undefined, {
    SENDGRID_API_KEY: SINK_API_KEY,
    SENDGRID_BASE_URL: sink.url,
    SENDGRID_MAX_ATTEMPTS: '4',
    SENDGRID_RETRY_BASE_MS: '20',
    SENDGRID_RETRY_MAX_DELAY_MS: '200',
    SENDGRID_RETRY_BUDGET_MS: '5000',
    EMAIL_RETRY_BASE_MS: '200',
    EMAIL_RETRY_MAX_DELAY_MS: '1000',
    EMAIL_SEND_POLL_MS: '100',
    ...extra,
  });
  const { app, url } = await startTestApp(AppModule.forEnv(env));
  const service: RunningService = {
    app,
    url,
    db,
    topics: topicsOf(env),
    stop: async () => {
      await service.app.close();
      await db.drop();
    },
    restart: async (meanwhile) => {
      await service.app.close();
      await meanwhile?.();
      const restarted = await startTestApp(AppModule.forEnv(env));
      service.app = restarted.app;
      service.url = restarted.url;
    },
  };
  return service;
}

export function licenseAllocated(overrides: Partial<EventDataOf<'LicenseAllocated'>> = {}, attributes: { id?: string; resendof?: string } = {}) {
  return event('LicenseAllocated', { ...exampleEventData.LicenseAllocated, ...overrides }, attributes);
}

export function event<T extends EventType>(type: T, data: EventDataOf<T>, attributes: { id?: string; resendof?: string } = {}): Envelope<EventDataOf<T>> {
  return envelope({ type, source: 'test', data, dataschema: dataschemaOf(type), ...attributes });
}

export async function publish(topic: string, key: string, ...envelopes: Envelope<unknown>[]): Promise<void> {
  await produceCloudEvents(kafka, topic, key, envelopes);
}

import type { INestApplication } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import request from 'supertest';
import { exampleEventData, type EventDataOf, type EventType, type License, type OrderPaidData } from '@keypool/contracts';
import { Envelope, envelope } from '@keypool/messaging';
import {
  TEST_KEYS,
  TestDatabase,
  TopicReader,
  createTopics,
  freshDatabase,
  produceCloudEvents,
  startTestApp,
  testKafka,
  testServiceEnv,
  topicsOf,
  uniqueName,
  waitUntil,
} from '@keypool/testing';
import { AppModule } from '../src/app.module';

type TopicName = keyof ReturnType<typeof topicsOf>;
export type Key = keyof typeof TEST_KEYS;

/**
 * The service in-process against the real broker and database; the test plays checkout,
 * pool and notification by producing their events and reads what the service publishes.
 */
export class FulfillmentTestKit {
  readonly kafka: Kafka = testKafka();
  private readonly readers = new Map<string, TopicReader>();

  private constructor(
    readonly db: TestDatabase,
    readonly app: INestApplication,
    readonly url: string,
    readonly topics: Record<TopicName, string>,
  ) {}

  static async start(label: string, read: TopicName[]): Promise<FulfillmentTestKit> {
    const db = await freshDatabase(label);
    const env = testServiceEnv(db.url);
    const topics = Object.values(topicsOf(env));
    await createTopics(testKafka(), [...topics, ...topics.map((t) => `${t}.dlq`)], Number(env['KAFKA_TOPIC_PARTITIONS']));
    const { app, url } = await startTestApp(AppModule.forEnv(env));
    const kit = new FulfillmentTestKit(db, app, url, topicsOf(env));
    await Promise.all(read.map(async (name) => kit.readers.set(name, await TopicReader.open(kit.kafka, kit.topics[name]))));
    return kit;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.readers.values()].map((r) => r.close()));
    await this.app?.close();
    await this.db?.drop();
  }

  /** The reader of a topic `start` was told to read, or of a name given to `openReader`. */
  reader(name: string): TopicReader {
    const reader = this.readers.get(name);
    if (!reader) throw new Error(`no reader opened for ${name}`);
    return reader;
  }

  async openReader(name: string, topic: string): Promise<TopicReader> {
    const reader = await TopicReader.open(this.kafka, topic);
    this.readers.set(name, reader);
    return reader;
  }

  /** Events of one type the service published for one order, in order. */
  published<T extends EventType>(name: TopicName, orderId: string): Envelope<EventDataOf<T>>[] {
    return this.reader(name)
      .values<Envelope<EventDataOf<T>>>()
      .filter((e) => (e.data as { orderId?: string }).orderId === orderId);
  }

  async waitForPublished<T extends EventType>(name: TopicName, orderId: string, count: number): Promise<Envelope<EventDataOf<T>>[]> {
    await waitUntil(() => this.published(name, orderId).length >= count, 20000, `${count} ${name} events of ${orderId}`);
    return this.published<T>(name, orderId);
  }

  async send<T extends EventType>(
    name: TopicName,
    type: T,
    data: EventDataOf<T>,
    extra: { id?: string; resendof?: string } = {},
  ): Promise<Envelope<EventDataOf<T>>> {
    const event = envelope({ type, source: '/test', data, ...extra });
    await this.sendRaw(name, (data as { orderId: string }).orderId, JSON.stringify(event));
    return event;
  }

  async sendRaw(name: TopicName, key: string, value: string): Promise<void> {
    await produceCloudEvents(this.kafka, this.topics[name], key, [value]);
  }

  api(key: Key | null = 'support') {
    const auth = (test: request.Test) => (key ? test.set('Authorization', `Bearer ${TEST_KEYS[key]}`) : test);
    return {
      get: (path: string) => auth(request(this.url).get(path)),
      post: (path: string) => auth(request(this.url).post(path)),
      put: (path: string, body: unknown) =>
        auth(
          request(this.url)
            .put(path)
            .send(body as object),
        ),
    };
  }

  async orderOnceItShows(orderId: string, ready: (order: OrderJson) => boolean = () => true): Promise<OrderJson> {
    let order: OrderJson | undefined;
    await waitUntil(
      async () => {
        const response = await this.api().get(`/v1/orders/${orderId}`);
        order = response.status === 200 ? (response.body as OrderJson) : undefined;
        return order !== undefined && ready(order);
      },
      20000,
      `order ${orderId} in the expected state`,
    );
    return order!;
  }

  async metric(line: string): Promise<number> {
    const text = (await request(this.url).get('/metrics')).text;
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found ? Number(found.slice(line.length + 1)) : 0;
  }

  /** What the outbox holds is what gets published: counting there needs no waiting for absence. */
  async outboxCount(type: EventType, orderId: string): Promise<number> {
    const client = new Client({ connectionString: this.db.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM outbox WHERE type = $1 AND aggregate_id = $2', [type, orderId]);
      return rows[0].n;
    } finally {
      await client.end();
    }
  }

  /** Plays the pool: answers an allocation request with licenses made up for the line. */
  async allocate(requested: EventDataOf<'AllocationRequested'>, licenses?: License[]): Promise<Envelope<EventDataOf<'LicenseAllocated'>>> {
    const { licenseCount, ...order } = requested;
    const made =
      licenses ?? Array.from({ length: licenseCount }, (_, i) => ({ licenseId: uniqueName(`lic${i}`), value: `KEY-${uniqueName('x').toUpperCase()}-${i}` }));
    return this.send('licenseAllocated', 'LicenseAllocated', { ...order, poolId: 'pool_test', licenses: made });
  }

  /** Plays notification: reports the e-mail of an allocated (or resent) line as sent. */
  emailSent(allocated: Envelope<EventDataOf<'LicenseAllocated'>>, resend = false, id?: string) {
    const { orderId, merchantId, lineId, productId, customer, licenses } = allocated.data;
    return this.send(
      'emailSent',
      'EmailSent',
      {
        orderId,
        merchantId,
        lineId,
        productId,
        to: customer.email,
        licenseIds: licenses.map((l) => l.licenseId),
        providerMessageId: uniqueName('sg'),
        resend,
        sentAt: new Date().toISOString(),
      },
      id ? { id } : {},
    );
  }
}

export function paidOrder(items: { productId: string; quantity: number }[], overrides: Partial<OrderPaidData> = {}): OrderPaidData {
  const base = exampleEventData.OrderPaid;
  return {
    ...structuredClone(base),
    orderId: uniqueName('ord'),
    items: items.map((item, index) => ({ ...base.items[0], lineId: String(index + 1), productName: `Product ${item.productId}`, ...item })),
    ...overrides,
  };
}

export interface OrderJson {
  orderId: string;
  merchantId: string;
  status: string;
  fulfilledAt: string | null;
  notes: string[];
  statusHistory: { status: string; at: string }[];
  lines: {
    lineId: string;
    productId: string;
    status: string;
    statusReason: string | null;
    statusHistory: { status: string; reason?: string; at: string }[];
    licensesMasked: boolean;
    licenses: { licenseId: string; value: string }[];
  }[];
  emails: { lineId: string; kind: string; eventId: string; resend: boolean; reason: string | null }[];
}

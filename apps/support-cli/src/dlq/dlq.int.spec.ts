import type { KafkaMessage } from 'kafkajs';
import { exampleEventData, type LicenseAllocatedData, type OrderPaidData } from '@keypool/contracts';
import { envelope, sendToDeadLetterTopic } from '@keypool/messaging';
import { createTopics, produceCloudEvents, testKafka, uniqueName, waitUntil } from '@keypool/testing';
import { runCli } from '../cli';
import { allDlqTopics, listDeadLetters, redriveDeadLetters } from '@keypool/operations';

const kafka = testKafka();
const SECRET = 'SECRET-LICENSE-7Q2X';
const PARENT_SECRET = 'SECRET-PARENT-9K4Z';

/** Reads a topic from the start in the background, keeping where each record sits (`partition:offset`). */
async function positionedReader(topic: string) {
  const read: { partition: number; message: KafkaMessage }[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('dlq-spec') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Set<string>();
  await consumer.run({
    // eslint-disable-next-line @typescript-eslint/require-await -- kafkajs wants a promise; keeping the record waits for nothing
    eachMessage: async ({ partition, message }) => {
      if (seen.has(`${partition}:${message.offset}`)) return;
      seen.add(`${partition}:${message.offset}`);
      read.push({ partition, message });
    },
  });
  return {
    read,
    position: (i: number) => `${read[i].partition}:${read[i].message.offset}`,
    waitForCount: async (n: number) => {
      await waitUntil(() => read.length >= n, 20000, `${n} records on ${topic}`);
      return read;
    },
    close: () => consumer.disconnect(),
  };
}
type PositionedReader = Awaited<ReturnType<typeof positionedReader>>;

async function cli(...argv: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  const code = await runCli(argv, { KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092' }, io);
  return { code, output: lines.join('\n') };
}

describe('support reads and redrives dead letters, on the real broker', () => {
  const allocatedTopic = uniqueName('license-allocated');
  const paidTopic = uniqueName('order-paid');
  const allocated = envelope<LicenseAllocatedData>({
    type: 'LicenseAllocated',
    source: 'keypool/pool-service',
    data: {
      ...exampleEventData.LicenseAllocated,
      orderId: 'ord_dl_1',
      licenses: [{ licenseId: 'lic_dl_1', value: SECRET }],
      parentLicenses: [{ licenseId: 'lic_p', value: PARENT_SECRET }],
    },
  });
  const paid = envelope<OrderPaidData>({ type: 'OrderPaid', source: '/checkout', data: { ...exampleEventData.OrderPaid, orderId: 'ord_dl_2' } });
  let allocatedDlq: PositionedReader;
  let paidDlq: PositionedReader;
  let allocatedOriginals: PositionedReader;
  let paidOriginals: PositionedReader;
  /** DLQ positions as `partition:offset`, by what each record is. */
  const at: Record<'notification' | 'fulfillment' | 'undecodable' | 'paid', string> = { notification: '', fulfillment: '', undecodable: '', paid: '' };

  beforeAll(async () => {
    await createTopics(kafka, [allocatedTopic, `${allocatedTopic}.dlq`, paidTopic, `${paidTopic}.dlq`], 3);
    // The originals go through the real topics first, so the DLQ records carry real positions and headers.
    await produceCloudEvents(kafka, allocatedTopic, 'ord_dl_1', [allocated, 'not json {']);
    await produceCloudEvents(kafka, paidTopic, 'ord_dl_2', [paid]);
    allocatedOriginals = await positionedReader(allocatedTopic);
    paidOriginals = await positionedReader(paidTopic);
    const [good, bad] = await allocatedOriginals.waitForCount(2);
    const [paidRecord] = await paidOriginals.waitForCount(1);

    const producer = kafka.producer();
    await producer.connect();
    const deadLetter = (
      topic: string,
      { partition, message }: { partition: number; message: KafkaMessage },
      groupId: string,
      reason: string,
      attempts: number,
    ) => sendToDeadLetterTopic(producer, { topic, partition, message, groupId, reason, attempts });
    // A handler error that quotes a license value: the CLI must blank it wherever it shows.
    await deadLetter(allocatedTopic, good, `notification-service.${allocatedTopic}`, `still failing after 5 attempts: Error: SendGrid refused ${SECRET}`, 5);
    await deadLetter(allocatedTopic, good, `order-fulfillment-service.${allocatedTopic}`, 'still failing after 5 attempts: Error: database timeout', 5);
    await deadLetter(allocatedTopic, bad, `notification-service.${allocatedTopic}`, 'invalid event: not-json: message value is not valid JSON', 0);
    await deadLetter(paidTopic, paidRecord, `order-fulfillment-service.${paidTopic}`, 'invalid event: invalid-data: /items/0/quantity must be >= 1', 0);
    await producer.disconnect();

    allocatedDlq = await positionedReader(`${allocatedTopic}.dlq`);
    paidDlq = await positionedReader(`${paidTopic}.dlq`);
    await allocatedDlq.waitForCount(3);
    await paidDlq.waitForCount(1);
    // One key, so one partition each: the records keep the order they were dead-lettered in.
    Object.assign(at, {
      notification: allocatedDlq.position(0),
      fulfillment: allocatedDlq.position(1),
      undecodable: allocatedDlq.position(2),
      paid: paidDlq.position(0),
    });
  });
  afterAll(async () => Promise.all([allocatedDlq, paidDlq, allocatedOriginals, paidOriginals].map((r) => r?.close())));

  it('lists each dead letter with where it is and came from, its event, reason, group and attempts, and never a license value', async () => {
    const { code, output } = await cli('dlq', 'list', allocatedTopic);
    expect(code).toBe(0);
    const origin = `from ${allocatedTopic} ${allocatedOriginals.position(0)}`;
    const line = (position: string) =>
      output
        .split('\n')
        .find((l) => l.startsWith(`${allocatedTopic}.dlq ${position}  `))
        ?.replace(/  \d+s ago  /, '  (age)  ');
    expect(line(at.notification)).toBe(
      `${allocatedTopic}.dlq ${at.notification}  (age)  key ord_dl_1  event ${allocated.id} LicenseAllocated  ${origin}  group notification-service.${allocatedTopic}  attempts 5`,
    );
    expect(output).toContain(`reason: still failing after 5 attempts: Error: SendGrid refused [redacted]`);
    expect(line(at.fulfillment)).toContain(
      `(age)  key ord_dl_1  event ${allocated.id} LicenseAllocated  ${origin}  group order-fulfillment-service.${allocatedTopic}`,
    );
    expect(line(at.undecodable)).toContain(
      `(age)  key ord_dl_1  event undecodable (${'not json {'.length} bytes)  from ${allocatedTopic} ${allocatedOriginals.position(1)}`,
    );
    expect(output).toContain(`${allocatedTopic}.dlq: 3 dead letter(s) read, 3 matched`);
    expect(output).not.toContain('SECRET');
    expect(output).not.toContain('Ann');
  });

  it('narrows the list by type, reason, time and count', async () => {
    const ids = async (filter: Parameters<typeof listDeadLetters>[2], limit = 100) => {
      const listing = await listDeadLetters(kafka, `${allocatedTopic}.dlq`, filter, limit);
      return { positions: listing.records.map((r) => `${r.partition}:${r.offset}`), more: listing.more };
    };
    expect((await ids({ type: 'LicenseAllocated' })).positions.sort()).toEqual([at.notification, at.fulfillment].sort());
    expect(await ids({ reason: 'NOT-JSON' })).toEqual({ positions: [at.undecodable], more: 0 });
    expect(await ids({ since: new Date(Date.now() + 60_000) })).toEqual({ positions: [], more: 0 });
    expect(await ids({}, 1)).toEqual({ positions: [at.notification], more: 2 });
    expect(await allDlqTopics(kafka)).toEqual(expect.arrayContaining([`${allocatedTopic}.dlq`, `${paidTopic}.dlq`]));
  });

  it("shows one record in full, headers included, but of the event's data only the field names", async () => {
    const { code, output } = await cli('dlq', 'show', allocatedTopic, at.notification);
    expect(code).toBe(0);
    const shown = JSON.parse(output) as { headers: Record<string, string>; value: Record<string, unknown>; event: unknown };
    expect(shown.headers).toMatchObject({
      'content-type': 'application/cloudevents+json',
      'dlq-reason': 'still failing after 5 attempts: Error: SendGrid refused [redacted]',
      'dlq-original-topic': allocatedTopic,
      'dlq-consumer-group': `notification-service.${allocatedTopic}`,
      'dlq-attempts': '5',
    });
    expect(shown.value).toMatchObject({ id: allocated.id, type: 'LicenseAllocated', source: 'keypool/pool-service' });
    expect(shown.value['dataFields']).toEqual(
      expect.arrayContaining(['orderId', 'customer.email', 'licenses[] (1)', 'licenses[].licenseId', 'licenses[].value', 'parentLicenses[].value']),
    );
    expect(output).not.toContain('SECRET');
    expect(output).not.toContain(exampleEventData.LicenseAllocated.customer.email);
    expect(output).not.toContain(exampleEventData.LicenseAllocated.item.productName);

    const missing = await cli('dlq', 'show', allocatedTopic, '0:999999');
    expect(missing).toEqual({ code: 1, output: expect.stringContaining(`has no record at 0:999999`) });
    const unknown = await cli('dlq', 'list', uniqueName('no-such-topic'));
    expect(unknown).toEqual({ code: 1, output: expect.stringContaining('there is no topic') });
  });

  it('a dry run says what it would send and sends nothing', async () => {
    const { code, output } = await cli('dlq', 'redrive', allocatedTopic, '--all');
    expect(code).toBe(0);
    expect(output).toContain(`1 record(s) repeat an original message already chosen`);
    expect(output).toContain(`${allocatedTopic}.dlq: would send 2 to ${allocatedTopic} (dry run; add --publish to send)`);
    expect(output).toContain(`event ${allocated.id} LicenseAllocated`);
    expect(output).not.toContain('SECRET');
    await new Promise((r) => setTimeout(r, 1000));
    expect(allocatedOriginals.read).toHaveLength(2);
  });

  it('prints --json as one JSON document, for a list and a dry-run redrive, still without a license value', async () => {
    const list = await cli('dlq', 'list', allocatedTopic, '--json');
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.output) as { dlqs: { topic: string; records: { partition: number; offset: string; reason: string }[]; more: number }[] };
    expect(listed.dlqs.map((d) => [d.topic, d.records.map((r) => `${r.partition}:${r.offset}`), d.more])).toEqual([
      [`${allocatedTopic}.dlq`, [at.notification, at.fulfillment, at.undecodable], 0],
    ]);
    expect(listed.dlqs[0].records[0].reason).toBe('still failing after 5 attempts: Error: SendGrid refused [redacted]');
    const redrive = await cli('dlq', 'redrive', allocatedTopic, '--all', '--json');
    expect(redrive.code).toBe(0);
    expect(JSON.parse(redrive.output)).toMatchObject({ topic: `${allocatedTopic}.dlq`, sameOriginal: 1, perTopic: { [allocatedTopic]: 2 }, published: false });
    expect(`${list.output}${redrive.output}`).not.toContain('SECRET');
  });

  it('reports how far a redrive has read to the progress bar it is given, and ends it', async () => {
    const bars: { label: string; total: number; updates: number[]; done: boolean }[] = [];
    const progress = (label: string, total: number) => {
      const bar = { label, total, updates: [] as number[], done: false };
      bars.push(bar);
      return { update: (n: number) => void bar.updates.push(n), done: () => void (bar.done = true) };
    };
    const io = { out: () => undefined, err: () => undefined, progress };
    expect(await runCli(['dlq', 'redrive', allocatedTopic, '--all'], { KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092' }, io)).toBe(0);
    expect(bars).toEqual([{ label: `reading ${allocatedTopic}.dlq`, total: 3, updates: [1, 2, 3], done: true }]);
  });

  it('redrives the chosen records to their original topic with the same key, value and headers, without the dlq-* ones', async () => {
    const report = await redriveDeadLetters(kafka, `${allocatedTopic}.dlq`, { all: { type: 'LicenseAllocated' } }, true);
    expect(report).toMatchObject({ sameOriginal: 1, perTopic: { [allocatedTopic]: 1 }, published: true });
    const redriven = (await allocatedOriginals.waitForCount(3))[2].message;
    expect(redriven.key?.toString()).toBe('ord_dl_1');
    expect(redriven.value?.toString()).toBe(JSON.stringify(allocated));
    expect(Object.keys(redriven.headers ?? {})).toEqual(['content-type']);
    expect(redriven.headers?.['content-type']?.toString()).toBe('application/cloudevents+json');

    const { code, output } = await cli('dlq', 'redrive', paidTopic, at.paid, '--publish');
    expect(code).toBe(0);
    expect(output).toContain(`${paidTopic}.dlq: sent 1 to ${paidTopic}`);
    const again = (await paidOriginals.waitForCount(2))[1].message;
    expect(again.value?.toString()).toBe(JSON.stringify(paid));
    expect(again.key?.toString()).toBe('ord_dl_2');
    expect(Object.keys(again.headers ?? {}).filter((h) => h.startsWith('dlq-'))).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    expect(allocatedOriginals.read).toHaveLength(3);
  });
});

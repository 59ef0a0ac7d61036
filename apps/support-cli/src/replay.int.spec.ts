import { dataschemaOf, exampleEventData, type LicenseAllocatedData } from '@keypool/contracts';
import { type Envelope, envelope } from '@keypool/messaging';
import { TopicReader, createTopics, produce, testKafka, uniqueName } from '@keypool/testing';
import { runCli } from './cli';
import { SUPPORT_SOURCE, replayLicenseEmails } from './replay';

const kafka = testKafka();
const MINUTE = 60_000;

describe('replaying license e-mails as resends, on the real broker', () => {
  const topic = uniqueName('license-allocated');
  const now = Date.now();
  const since = new Date(now - 60 * MINUTE);
  const until = new Date(now - 10 * MINUTE);
  const allocated = (merchantId: string, orderId: string, secret: string, resendof?: string) =>
    envelope<LicenseAllocatedData>({
      type: 'LicenseAllocated',
      source: 'keypool/pool-service',
      dataschema: dataschemaOf('LicenseAllocated'),
      data: { ...exampleEventData.LicenseAllocated, merchantId, orderId, licenses: [{ licenseId: `lic_${orderId}`, value: secret }] },
      ...(resendof ? { resendof } : {}),
    });
  const before = allocated('m_a', 'ord_before', 'SECRET-BEFORE');
  const inA = allocated('m_a', 'ord_a', 'SECRET-A');
  const inB = allocated('m_b', 'ord_b', 'SECRET-B');
  const alreadyResent = allocated('m_a', 'ord_a', 'SECRET-A', inA.id);
  const after = allocated('m_a', 'ord_after', 'SECRET-AFTER');
  let reader: TopicReader;

  beforeAll(async () => {
    await createTopics(kafka, [topic], 3);
    const at = (ms: number) => String(ms);
    await produce(kafka, topic, [
      { key: 'ord_before', value: JSON.stringify(before), timestamp: at(now - 90 * MINUTE) },
      { key: 'ord_a', value: JSON.stringify(inA), timestamp: at(now - 50 * MINUTE) },
      { key: 'ord_b', value: JSON.stringify(inB), timestamp: at(now - 40 * MINUTE) },
      { key: 'ord_a', value: JSON.stringify(alreadyResent), timestamp: at(now - 30 * MINUTE) },
      { key: 'ord_x', value: 'not an event', timestamp: at(now - 20 * MINUTE) },
      { key: 'ord_after', value: JSON.stringify(after), timestamp: at(now - 5 * MINUTE) },
    ]);
    reader = await TopicReader.open(kafka, topic);
    await reader.waitForCount(6);
  });
  afterAll(async () => reader?.close());

  it('lists the originals of the window and publishes nothing without --publish', async () => {
    const report = await replayLicenseEmails(kafka, topic, { since, until }, false);
    expect(report).toMatchObject({ scanned: 4, skippedResends: 1, invalid: 1, published: false });
    expect(report.lines.map((l) => [l.orderId, l.original]).sort()).toEqual([
      ['ord_a', inA.id],
      ['ord_b', inB.id],
    ]);
    expect(report.lines.every((l) => l.resend === undefined)).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(reader.messages).toHaveLength(6);
  });

  it("publishes one resend per matching original: the same data, a new id, resendof = the original's id", async () => {
    const report = await replayLicenseEmails(kafka, topic, { since, until, merchantIds: ['m_a'] }, true);
    expect(report.lines).toHaveLength(1);
    const [published] = (await reader.waitForCount(7)).slice(6);
    const resend = JSON.parse(published.value!.toString()) as Envelope<LicenseAllocatedData>;
    expect(resend).toMatchObject({ type: 'LicenseAllocated', source: SUPPORT_SOURCE, resendof: inA.id, id: report.lines[0].resend, data: inA.data });
    expect(resend.id).not.toBe(inA.id);
    expect(published.key!.toString()).toBe('ord_a');
    expect(published.headers?.['content-type']?.toString()).toBe('application/cloudevents+json');
  });

  it('narrows to named orders, and the CLI prints what it did without any license value', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    const env = { KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092', TOPIC_LICENSE_ALLOCATED: topic };
    const code = await runCli(['replay', '--since', since.toISOString(), '--until', until.toISOString(), '--order', 'ord_b', '--publish'], env, io);
    expect(code).toBe(0);
    const [published] = (await reader.waitForCount(8)).slice(7);
    expect((JSON.parse(published.value!.toString()) as Envelope).resendof).toBe(inB.id);
    const output = lines.join('\n');
    expect(output).toContain(`order ord_b line 1 (merchant m_b, product p_editor): original ${inB.id}`);
    expect(output).toMatch(/1 original e-mail\(s\) matched, 1 resend\(s\) and 1 invalid message\(s\) left alone; 1 resend\(s\) published/);
    expect(output).not.toMatch(/SECRET|AAAA-BBBB/);
  });

  it('prints --json as one JSON document: the report of a dry run, without any license value', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`stderr: ${l}`) };
    const env = { KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092', TOPIC_LICENSE_ALLOCATED: topic };
    expect(await runCli(['replay', '--since', since.toISOString(), '--until', until.toISOString(), '--merchant', 'm_b', '--json'], env, io)).toBe(0);
    const report = JSON.parse(lines.join('\n')) as { topic: string; published: boolean; lines: { orderId: string; original: string }[] };
    expect(report).toMatchObject({ topic, published: false, invalid: 1 });
    expect(report.lines.map((l) => [l.orderId, l.original])).toEqual([['ord_b', inB.id]]);
    expect(lines.join('\n')).not.toMatch(/SECRET/);
  });

  it('finds nothing in a window before any message', async () => {
    const report = await replayLicenseEmails(kafka, topic, { since: new Date(now - 300 * MINUTE), until: new Date(now - 200 * MINUTE) }, true);
    expect(report).toMatchObject({ scanned: 0, lines: [], published: false });
  });
});

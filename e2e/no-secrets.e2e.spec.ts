import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dataschemaOf, exampleEventData } from '@keypool/contracts';
import { envelope } from '@keypool/messaging';
import { SINK_API_KEY, ServiceName, ServiceProcess, TopicReader, produce, produceCloudEvents, uniqueName, waitUntil } from '@keypool/testing';
import { orderPaid, orderPaidEvent, publishOrderPaid } from './support/orders';
import { Scanned, Secret, findSecrets } from './support/secret-scan';
import { RunningSystem, keys, startSystem } from './support/system';

const merchantId = 'm_acme';
const licenseValue = () => `KP-${randomBytes(8).toString('hex')}-${randomBytes(8).toString('hex')}`.toUpperCase();

/** A key's bytes as they could be written down: the base64 given, hex, base64url. */
function keyMaterial(label: string, base64: string): Secret[] {
  const bytes = Buffer.from(base64, 'base64');
  return [
    { label, value: base64 },
    { label: `${label} (hex)`, value: bytes.toString('hex') },
    { label: `${label} (base64url)`, value: bytes.toString('base64url') },
  ];
}

/** The API keys, the SendGrid key and every service's encryption and hash keys, from the environment each was started with. */
function configuredSecrets(env: Record<ServiceName, Record<string, string>>): Secret[] {
  const secrets: Secret[] = [
    ...Object.entries(keys).map(([name, value]) => ({ label: `API key of ${name}`, value })),
    { label: 'SendGrid API key', value: SINK_API_KEY },
  ];
  for (const [service, settings] of Object.entries(env)) {
    for (const entry of settings['DATA_ENCRYPTION_KEYS'].split(',')) {
      const [id, base64] = entry.split(':');
      secrets.push(...keyMaterial(`${service} encryption key ${id}`, base64));
    }
    secrets.push(...keyMaterial(`${service} LICENSE_HASH_KEY`, settings['LICENSE_HASH_KEY']));
    if (settings['SENDGRID_API_KEY']) secrets.push({ label: `${service} SENDGRID_API_KEY`, value: settings['SENDGRID_API_KEY'] });
  }
  return secrets;
}

describe('no secret in any output (three services, the support CLI, real broker and PostgreSQL)', () => {
  let system: RunningSystem;
  let licenseDlq: TopicReader;
  const responses: Scanned[] = [];

  beforeAll(async () => {
    system = await startSystem('nosecret');
    licenseDlq = await TopicReader.open(system.kafka, `${system.topics.licenseAllocated}.dlq`);
  }, 180000);
  afterAll(async () => {
    await licenseDlq?.close();
    await system?.stop();
  });

  /** Calls a service and keeps the response body for the scan (every one: error bodies and successes alike). */
  async function call<T = Record<string, unknown>>(
    service: ServiceProcess,
    method: string,
    path: string,
    expected: number,
    options: { key?: string; json?: unknown; body?: string; contentType?: string } = {},
  ): Promise<T> {
    const body = options.json !== undefined ? JSON.stringify(options.json) : options.body;
    const contentType = options.json !== undefined ? 'application/json' : options.contentType;
    const response = await fetch(`${service.url}/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${options.key ?? keys.support}`, ...(contentType ? { 'content-type': contentType } : {}) },
      body,
    });
    const text = await response.text();
    responses.push({ name: `${service.name} ${method} ${path} → ${response.status}`, text });
    if (response.status !== expected) throw new Error(`${method} ${path} → ${response.status} (expected ${expected}): ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** The support CLI as support runs it: its own process; its stdout and stderr are scanned. */
  const cliOutputs: Scanned[] = [];
  async function support(...args: string[]): Promise<{ code: number; stdout: string }> {
    const env = {
      ...process.env,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
      TOPIC_LICENSE_ALLOCATED: system.topics.licenseAllocated,
      FULFILLMENT_URL: system.fulfillment.url,
      KEYPOOL_API_KEY: keys.support,
    };
    const cli = join(__dirname, '../apps/support-cli/src/main.ts');
    const run = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', cli, ...args], { cwd: join(__dirname, '..'), env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
    cliOutputs.push({ name: `support ${args[0]} ${args[1]} stdout`, text: run.stdout }, { name: `support ${args[0]} ${args[1]} stderr`, text: run.stderr });
    return run;
  }

  it('writes no license value, API key or key material to logs, CLI output, HTTP answers (but the reveal) or metrics', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const productId = uniqueName('p');
    const pool = await call<{ id: string }>(system.pool, 'POST', '/pools', 201, { json: { merchantId, productId, threshold: 5, mode: 'live' } });
    await call(system.fulfillment, 'PUT', `/merchants/${merchantId}/products/${productId}/delivery`, 200, {
      json: { rule: 'per_unit', showOnOrderPage: false },
    });

    // The import: good keys, a line with an invisible U+200B, an over-long line. The rejected
    // lines count as values too; the long one repeats a token, so even a truncated echo is found.
    const imported = Array.from({ length: 4 }, licenseValue);
    const [beforeZwsp, afterZwsp] = [licenseValue(), licenseValue()];
    const longToken = licenseValue();
    const longLine = `${longToken} `.repeat(Math.ceil(2100 / (longToken.length + 1)));
    const upload = [imported[0], `${beforeZwsp}\u200b${afterZwsp}`, imported[1], longLine, imported[2], imported[3]].join('\n');
    await call(system.pool, 'POST', `/pools/${pool.id}/licenses?strict=true`, 422, { body: upload, contentType: 'text/plain' });
    const report = await call<{ added: number; rejected: { count: number } }>(system.pool, 'POST', `/pools/${pool.id}/licenses`, 200, {
      body: upload,
      contentType: 'text/plain',
    });
    expect(report).toMatchObject({ added: 4, rejected: { count: 2 } });

    // An order of two units: licenses, an e-mail, fulfilled; then a resend and a replay, one more e-mail each.
    const paid = orderPaidEvent(orderPaid(merchantId, [{ productId, quantity: 2 }]));
    const { orderId } = paid.data;
    await publishOrderPaid(system.kafka, system.topics.orderPaid, paid);
    const mails = async () => (await system.sink.messages(paid.data.customer.email)).filter((m) => m.text?.includes(orderId));
    await waitUntil(async () => (await mails()).length === 1, 30000, 'the order e-mail');
    await waitUntil(
      async () => (await call<{ status: string }>(system.fulfillment, 'GET', `/orders/${orderId}`, 200)).status === 'fulfilled',
      30000,
      'fulfilled',
    );
    await call(system.fulfillment, 'POST', `/orders/${orderId}/resend`, 202);
    await waitUntil(async () => (await mails()).length === 2, 30000, 'the resent e-mail');
    const replay = await support('replay', '--since', since, '--order', orderId, '--publish');
    expect(replay).toMatchObject({ code: 0, stdout: expect.stringContaining('1 resend(s) published') });
    await waitUntil(async () => (await mails()).length === 3, 30000, 'the replayed e-mail');

    // Dead letters: an OrderPaid without items, and a LicenseAllocated without a pool id that carries a license value.
    const invalidPaid = orderPaidEvent({ ...orderPaid(merchantId, [{ productId, quantity: 1 }]), items: [] });
    await publishOrderPaid(system.kafka, system.topics.orderPaid, invalidPaid);
    const deadValue = licenseValue();
    const deadOrder = uniqueName('ord');
    const deadData: Record<string, unknown> = {
      ...exampleEventData.LicenseAllocated,
      orderId: deadOrder,
      merchantId,
      productId,
      licenses: [{ licenseId: 'lic_dead', value: deadValue }],
    };
    delete deadData['poolId'];
    const deadEvent = envelope({ type: 'LicenseAllocated', source: 'e2e/forged', dataschema: dataschemaOf('LicenseAllocated'), data: deadData });
    await produceCloudEvents(system.kafka, system.topics.licenseAllocated, deadOrder, [deadEvent]);
    await produce(system.kafka, system.topics.licenseAllocated, [{ key: deadOrder, value: `not json ${deadValue}` }]);
    // notification and order-fulfillment both read license-allocated: each dead-letters both messages.
    await waitUntil(() => licenseDlq.messages.filter((m) => m.key?.toString() === deadOrder).length === 4, 30000, 'four dead letters of the forged order');
    expect(licenseDlq.messages.some((m) => m.value?.toString().includes(deadValue))).toBe(true);

    const listed = await support('dlq', 'list', system.topics.licenseAllocated);
    expect(listed.code).toBe(0);
    const position = new RegExp(`^\\S+ (\\d+:\\d+) .*event ${deadEvent.id} LicenseAllocated`, 'm').exec(listed.stdout)?.[1];
    expect(position).toBeDefined();
    const shown = await support('dlq', 'show', system.topics.licenseAllocated, position!);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ value: { id: deadEvent.id, dataFields: expect.arrayContaining(['licenses[].value']) } });
    expect((await support('dlq', 'list', `${system.topics.orderPaid}`)).stdout).toContain(invalidPaid.id);

    // One audited reveal: its answer is the one place a value may appear, so it is checked here and left out of the scan.
    const reveal = await fetch(`${system.fulfillment.url}/v1/orders/${orderId}/lines/1/licenses/reveal`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.support}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'ticket 4711: customer lost the e-mail' }),
    });
    const revealed = (await reveal.json()) as { licenses: { value: string }[] };
    expect(reveal.status).toBe(200);
    expect(revealed.licenses.every((l) => imported.includes(l.value))).toBe(true);

    // 4xx answers: a malformed request to each service, and wrong keys (one with a real key in it, one the SendGrid key).
    await call(system.pool, 'POST', '/pools', 400, { body: '{"merchantId":', contentType: 'application/json' });
    const brokenJson = `[${JSON.stringify(imported[0])}, ${JSON.stringify(imported[1])} x]`;
    await call(system.pool, 'POST', `/pools/${pool.id}/licenses`, 400, { body: brokenJson, contentType: 'application/json' });
    await call(system.fulfillment, 'PUT', `/merchants/${merchantId}/products/${productId}/delivery`, 400, { json: { rule: 'per_box' } });
    await call(system.fulfillment, 'POST', `/orders/${orderId}/lines/1/licenses/reveal`, 400, { json: { reason: 'why' } });
    await call(system.notification, 'PUT', `/merchants/${merchantId}/products/${productId}/email-text`, 422, { json: { text: 'Your key: {KEY} {NOPE}' } });
    await call(system.pool, 'GET', '/pools', 401, { key: `${keys.support}x` });
    await call(system.fulfillment, 'GET', `/orders/${orderId}`, 401, { key: `x${keys.acme}` });
    await call(system.notification, 'GET', `/merchants/${merchantId}/email-text`, 401, { key: SINK_API_KEY });
    await call(system.fulfillment, 'GET', `/orders/${orderId}`, 404, { key: keys.globex });

    const metrics: Scanned[] = [];
    for (const service of [system.pool, system.fulfillment, system.notification]) {
      metrics.push({ name: `${service.name} /metrics`, text: await (await fetch(`${service.url}/metrics`)).text() });
    }
    // Stopped, so the logs hold the shutdown too; the pipe into each file may trail its process's exit a little.
    await Promise.all([system.pool.stop(), system.fulfillment.stop(), system.notification.stop()]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const logs: Scanned[] = [system.pool, system.fulfillment, system.notification].map((s) => ({ name: s.logFile, text: readFileSync(s.logFile, 'utf8') }));

    // The scan covers real material: not a pass by reading nothing.
    const allLogs = logs.map((l) => l.text).join('\n');
    expect(allLogs).toContain(orderId);
    expect(allLogs).toContain('"reason":"invalid event: invalid-data: data.poolId: is required"');
    logs.forEach((log) => expect(log.text.split('\n').length).toBeGreaterThan(10));
    metrics.forEach((m) => expect(m.text).toMatch(/^keypool_\w+/m));
    expect(responses.filter((r) => /→ 4\d\d$/.test(r.name))).toHaveLength(10);

    const licenseValues: Secret[] = [
      ...imported.map((value, i) => ({ label: `imported license #${i + 1}`, value })),
      { label: 'rejected line (U+200B)', value: `${beforeZwsp}\u200b${afterZwsp}` },
      { label: 'rejected line (U+200B), its first part', value: beforeZwsp },
      { label: 'rejected line (U+200B), its second part', value: afterZwsp },
      { label: 'rejected over-long line, its repeated token', value: longToken },
      { label: 'license value in the dead-lettered event', value: deadValue },
    ];
    const findings = findSecrets([...logs, ...cliOutputs, ...responses, ...metrics], [...licenseValues, ...configuredSecrets(system.env)]);
    expect(findings).toEqual([]);
  }, 90000);
});

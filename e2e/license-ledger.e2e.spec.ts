import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName, waitUntil } from '@keypool/testing';
import { orderPaid, orderPaidEvent, publishOrderPaid } from './support/orders';
import { RunningSystem, api, keys, startSystem } from './support/system';

interface History {
  license: { licenseId: string; status: string; poolId: string; value: string };
  history: ({ kind: string; orderId: string | null; lineId: string | null } & Record<string, unknown>)[];
}

const merchantId = 'm_ledger';

describe('the license ledger across the three services, and the support CLI reading it (real broker and PostgreSQL)', () => {
  let system: RunningSystem;
  const dir = mkdtempSync(join(tmpdir(), 'keypool-ledger-'));

  beforeAll(async () => {
    system = await startSystem('ledger');
  }, 180000);
  afterAll(() => system?.stop());

  /** The CLI as support runs it: its own process; `stdin` is piped in when given. */
  function support(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string; argv: string[] }> {
    const cli = join(__dirname, '../apps/support-cli/src/main.ts');
    const argv = ['-r', '@swc-node/register', cli, ...args];
    const env = { ...process.env, POOL_URL: system.pool.url, KEYPOOL_API_KEY: keys.support };
    const child = spawn(process.execPath, argv, { cwd: join(__dirname, '..'), env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(stdin ?? '');
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr, argv })));
  }

  it('records the real e-mail and its resend, and support finds the license by value (file or stdin, never argv) and by id', async () => {
    const productId = uniqueName('p_ledger');
    const pool = await api<{ id: string }>(system.pool, 'POST', '/pools', { json: { merchantId, productId, threshold: 0, mode: 'live' }, expect: 201 });
    const value = uniqueName('LEDGER-KEY').toUpperCase();
    await api(system.pool, 'POST', `/pools/${pool.id}/licenses`, { text: value, expect: 200 });
    const event = orderPaidEvent(orderPaid(merchantId, [{ productId, quantity: 1 }]));
    const { orderId } = event.data;
    await publishOrderPaid(system.kafka, system.topics.orderPaid, event);

    const found = () => api<History>(system.pool, 'POST', '/licenses/lookup', { json: { value }, expect: 200 });
    const kinds = async () => (await found()).history.map((e) => e.kind).join(',');
    await waitUntil(async () => (await kinds()) === 'imported,allocated,emailed', 60000, 'the e-mail in the ledger');
    const order = () => api<{ status: string }>(system.fulfillment, 'GET', `/orders/${orderId}`, { expect: 200 });
    await waitUntil(async () => (await order()).status === 'fulfilled', 60000, 'the order fulfilled');
    await api(system.fulfillment, 'POST', `/orders/${orderId}/resend`, { expect: 202 });
    await waitUntil(async () => (await kinds()) === 'imported,allocated,emailed,resent', 60000, 'the resend in the ledger');
    const { license, history } = await found();
    expect(history.slice(1).every((e) => e.orderId === orderId && e.lineId === '1')).toBe(true);

    const file = join(dir, 'value.txt');
    writeFileSync(file, `${value}\n`, { mode: 0o600 });
    const [byFile, byStdin, asJson, byId, onArgv, unknown] = await Promise.all([
      support(['license', 'lookup', '--value-file', file]),
      support(['license', 'lookup', '--value-file', '-', '--merchant', merchantId], `${value}\n`),
      support(['license', 'lookup', '--value-file', file, '--json']),
      support(['license', 'history', license.licenseId, '--json']),
      support(['license', 'lookup', value]),
      support(['license', 'history', '00000000-0000-4000-8000-000000000000']),
    ]);
    for (const run of [byFile, byStdin, asJson, byId]) {
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).not.toContain(value);
      expect(run.argv.join(' ')).not.toContain(value);
    }
    expect(byFile.stdout).toContain(`license ${license.licenseId}  allocated  ${license.value}  merchant ${merchantId}  pool ${pool.id}`);
    expect(byFile.stdout).toMatch(new RegExp(`emailed  {3}order ${orderId} line 1\\n.*resent  {4}order ${orderId} line 1`));
    expect(byStdin.stdout).toBe(byFile.stdout);
    expect(JSON.parse(asJson.stdout)).toEqual(await found());
    expect(JSON.parse(byId.stdout)).toEqual(await found());
    expect(onArgv).toMatchObject({ code: 2, stdout: '' });
    expect(onArgv.stderr).toBe(
      'error: license lookup takes no value on the command line, where ps shows it: put it in a file and pass --value-file <file> (or - for stdin)\n',
    );
    expect(unknown).toMatchObject({ code: 1, stderr: 'error: pool-service answered 404: License not found\n' });
  }, 180_000);
  it("records an order line's reveal through order-fulfillment in the license's history read through pool-service", async () => {
    const productId = uniqueName('p_reveal');
    const pool = await api<{ id: string }>(system.pool, 'POST', '/pools', { key: keys.acme, json: { productId, threshold: 0, mode: 'live' }, expect: 201 });
    const value = uniqueName('REVEAL-KEY').toUpperCase();
    await api(system.pool, 'POST', `/pools/${pool.id}/licenses`, { key: keys.acme, text: value, expect: 200 });
    const event = orderPaidEvent(orderPaid('m_acme', [{ productId, quantity: 1 }]));
    const { orderId } = event.data;
    await publishOrderPaid(system.kafka, system.topics.orderPaid, event);
    const byValue = () => api<History>(system.pool, 'POST', '/licenses/lookup', { key: keys.acme, json: { value }, expect: 200 });
    await waitUntil(async () => (await byValue()).history.length === 3, 60000, 'the e-mail in the ledger');
    const order = () => api<{ status: string }>(system.fulfillment, 'GET', `/orders/${orderId}`, { key: keys.acme, expect: 200 });
    await waitUntil(async () => (await order()).status === 'fulfilled', 60000, 'the order fulfilled');

    const reason = 'ticket 4712: the customer asks for the key again';
    const shown = await api<{ licenses: { licenseId: string; value: string }[]; auditId: string }>(
      system.fulfillment,
      'POST',
      `/orders/${orderId}/lines/1/licenses/reveal`,
      { key: keys.acme, json: { reason }, expect: 200 },
    );
    expect(shown.licenses.map((l) => l.value)).toEqual([value]);
    const { licenseId } = shown.licenses[0];
    const history = () => api<History>(system.pool, 'GET', `/licenses/${licenseId}/history`, { key: keys.acme, expect: 200 });
    await waitUntil(async () => (await history()).history.some((e) => e.kind === 'revealed'), 60000, 'the reveal in the ledger');

    const { history: entries } = await history();
    expect(entries.map((e) => e.kind)).toEqual(['imported', 'allocated', 'emailed', 'revealed']);
    expect(entries[3]).toEqual({
      at: expect.any(String),
      kind: 'revealed',
      orderId,
      lineId: '1',
      via: 'order_line',
      auditId: shown.auditId,
      callerKind: 'merchant',
      keyId: expect.stringMatching(/^key_[0-9a-f]{12}$/),
    });
    // The entry points at order-fulfillment's audit entry, which keeps the reason; the ledger keeps neither it nor the value.
    const audit = await api<{ items: { id: string; keyId: string; reason: string; subject: unknown }[] }>(system.fulfillment, 'GET', '/audit/reveals', {
      key: keys.acme,
      expect: 200,
    });
    expect(audit.items.find((e) => e.id === shown.auditId)).toMatchObject({
      keyId: entries[3].keyId,
      reason,
      subject: { kind: 'order_line', orderId, lineId: '1' },
    });
    expect(JSON.stringify(entries)).not.toContain(value);
    expect(JSON.stringify(entries)).not.toContain(reason);
    await api(system.pool, 'GET', `/licenses/${licenseId}/history`, { key: keys.globex, expect: 404 });
  }, 120_000);
});

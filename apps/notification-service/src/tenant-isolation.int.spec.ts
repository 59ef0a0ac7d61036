import request from 'supertest';
import { DocumentedOperation, IsolationTable, SinkProcess, TEST_KEYS, documentedOperations, isolationProblems, uncoveredOperations } from '@keypool/testing';
import { RunningService, startNotificationService } from '../test/harness';

describe('notification-service keeps every merchant to its own data, on every documented operation', () => {
  let sink: SinkProcess;
  let service: RunningService;
  let documented: Map<string, DocumentedOperation>;
  const acme = { merchantId: 'm_acme' };
  const acmeProduct = { merchantId: 'm_acme', productId: 'p_iso' };

  const asAcme = () => ({
    get: (path: string) => request(service.url).get(path).set('Authorization', `Bearer ${TEST_KEYS.acme}`),
    put: (path: string, body: object) => request(service.url).put(path).set('Authorization', `Bearer ${TEST_KEYS.acme}`).send(body),
  });
  const german = { query: { locale: 'de' } };
  const readAsAcme = (path: string) => async () => (await asAcme().get(path)).body;
  const text = (who: string) => ({ json: { text: `Written by ${who}: {KEY}`, subject: `from ${who}` } });

  const table: IsolationTable = {
    'GET /v1/merchants/{merchantId}/alert-contacts': () => ({ params: acme }),
    'PUT /v1/merchants/{merchantId}/alert-contacts': () => ({
      params: acme,
      request: (who) => ({ json: { emails: [`${who}@example.com`] } }),
      state: readAsAcme('/v1/merchants/m_acme/alert-contacts'),
    }),
    'GET /v1/merchants/{merchantId}/email-text': () => ({ params: acme }),
    'PUT /v1/merchants/{merchantId}/email-text': () => ({ params: acme, request: text, state: readAsAcme('/v1/merchants/m_acme/email-text') }),
    'POST /v1/merchants/{merchantId}/email-text/preview': () => ({ params: acme, request: () => ({ json: {} }) }),
    'GET /v1/merchants/{merchantId}/products/{productId}/email-text': () => ({ params: acmeProduct }),
    'PUT /v1/merchants/{merchantId}/products/{productId}/email-text': () => ({
      params: acmeProduct,
      request: text,
      state: readAsAcme('/v1/merchants/m_acme/products/p_iso/email-text'),
    }),
    'POST /v1/merchants/{merchantId}/products/{productId}/email-text/preview': () => ({ params: acmeProduct, request: () => ({ json: {} }) }),
    'DELETE /v1/merchants/{merchantId}/email-text': () => ({
      params: acme,
      request: () => german,
      state: readAsAcme('/v1/merchants/m_acme/email-text?locale=de'),
    }),
    'DELETE /v1/merchants/{merchantId}/products/{productId}/email-text': () => ({
      params: acmeProduct,
      request: () => german,
      state: readAsAcme('/v1/merchants/m_acme/products/p_iso/email-text?locale=de'),
    }),
    'GET /v1/merchants/{merchantId}/sender': () => ({ params: acme }),
    'PUT /v1/merchants/{merchantId}/sender': () => ({
      params: acme,
      request: (who) => ({ json: { senderName: `${who} shop`, replyTo: `${who}@example.com` } }),
      state: readAsAcme('/v1/merchants/m_acme/sender'),
    }),
  };

  beforeAll(async () => {
    sink = await SinkProcess.start();
    service = await startNotificationService('notification_isolation', sink);
    documented = await documentedOperations(service.url);
    await asAcme()
      .put('/v1/merchants/m_acme/alert-contacts', { emails: ['ops@acme.example'] })
      .expect(200);
    await asAcme().put('/v1/merchants/m_acme/email-text', { text: 'Thanks from Acme: {KEY}' }).expect(200);
    await asAcme().put('/v1/merchants/m_acme/products/p_iso/email-text', { text: 'Your Acme key: {KEY}' }).expect(200);
    await asAcme().put('/v1/merchants/m_acme/email-text?locale=de', { text: 'Danke von Acme: {KEY}' }).expect(200);
    await asAcme().put('/v1/merchants/m_acme/products/p_iso/email-text?locale=de', { text: 'Ihr Acme-Schlüssel: {KEY}' }).expect(200);
    await asAcme().put('/v1/merchants/m_acme/sender', { senderName: 'Acme Software', replyTo: 'support@acme.example' }).expect(200);
  });
  afterAll(async () => {
    await service?.stop();
    await sink?.stop();
  });

  it('has a table entry for exactly the operations its OpenAPI document lists', () => {
    expect(uncoveredOperations(documented, table)).toEqual([]);
  });

  it.each(Object.keys(table))('%s: 401 without a valid key, 404 on a wrong-case path, nothing of acme for globex', async (key) => {
    const operation = documented.get(key);
    if (!operation) throw new Error(`${key} is not in /docs-json`);
    expect(await isolationProblems(service.url, operation, table[key]())).toEqual([]);
  });
});

import { exampleEventData } from '../examples';
import { parseCloudEvent } from '../parse-cloud-event';
import { dataschemaOf } from '../registry';
import { defaultTopics, messageKeyOf, topicEnvVars, topicOfEvent, topicsFromEnv } from '../topics';
import { validateEventData } from '../validate';

const example = () => JSON.parse(JSON.stringify(exampleEventData.LicensesRevealed)) as Record<string, unknown>;
const errorsOf = (data: unknown) => {
  const result = validateEventData('LicensesRevealed', data);
  return result.ok ? [] : result.errors;
};

describe('LicensesRevealed (internal: an order line revealed through order-fulfillment)', () => {
  it('goes to licenses-revealed, overridable by TOPIC_LICENSES_REVEALED, keyed by orderId', () => {
    expect(defaultTopics[topicOfEvent.LicensesRevealed]).toBe('licenses-revealed');
    expect(topicEnvVars.licensesRevealed).toBe('TOPIC_LICENSES_REVEALED');
    expect(topicsFromEnv({ TOPIC_LICENSES_REVEALED: 'staging.licenses-revealed' }).licensesRevealed).toBe('staging.licenses-revealed');
    expect(messageKeyOf('LicensesRevealed', exampleEventData.LicensesRevealed)).toBe('ord_1001');
    expect(dataschemaOf('LicensesRevealed')).toBe('https://keypool.dev/schemas/LicensesRevealed/v1.json');
  });

  it('names the audit entry and the caller kind; the key id may be absent or null', () => {
    expect(errorsOf(example())).toEqual([]);
    const { keyId: _omitted, ...withoutKey } = example();
    expect(errorsOf(withoutKey)).toEqual([]);
    expect(errorsOf({ ...example(), keyId: null })).toEqual([]);
    expect(errorsOf({ ...example(), callerKind: 'merchant' })).toEqual([]);
    const { auditId: _audit, ...withoutAudit } = example();
    expect(errorsOf(withoutAudit)).toEqual(['data.auditId: is required']);
  });

  it('carries no reveal reason and no checkout caller: only support or merchant', () => {
    expect(Object.keys(exampleEventData.LicensesRevealed)).not.toContain('reason');
    expect(errorsOf({ ...example(), callerKind: 'checkout' })).toEqual(['data.callerKind: must be one of "support", "merchant", got "checkout"']);
  });

  it('holds 1 to 10,000 distinct license ids', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `lic_${i}`);
    expect(errorsOf({ ...example(), licenseIds: ids(10_000) })).toEqual([]);
    expect(errorsOf({ ...example(), licenseIds: ids(10_001) })).toEqual(['data.licenseIds: must contain at most 10000 items, got 10001']);
    expect(errorsOf({ ...example(), licenseIds: [] })).toEqual(['data.licenseIds: must contain at least 1 item']);
    expect(errorsOf({ ...example(), licenseIds: ['lic_1', 'lic_1'] })).toHaveLength(1);
  });

  it('parses from a Kafka message, typed; a bad time is refused with its field named', () => {
    const envelope = (data: unknown) =>
      Buffer.from(JSON.stringify({ specversion: '1.0', id: 'evt_reveal', source: '/keypool/order-fulfillment-service', type: 'LicensesRevealed', data }));
    const parsed = parseCloudEvent(envelope(example()), 'LicensesRevealed');
    expect(parsed.ok && parsed.value.data.licenseIds).toEqual(['lic_1']);
    const refused = parseCloudEvent(envelope({ ...example(), revealedAt: 'yesterday' }), 'LicensesRevealed');
    expect(refused.ok ? [] : refused.errors.join('; ')).toMatch(/data\.revealedAt/);
  });
});

import { fullFormats } from 'ajv-formats/dist/formats';
import { validateEnvelope } from './validate';

const envelope = () => ({
  specversion: '1.0',
  id: 'evt_1',
  source: 'checkout',
  type: 'OrderPaid',
  time: '2026-11-29T12:00:00Z',
  datacontenttype: 'application/json',
  data: { orderId: 'ord_1001' },
});

const errorsOf = (json: unknown) => {
  const result = validateEnvelope(json);
  return result.ok ? [] : result.errors;
};

describe('validateEnvelope', () => {
  it('accepts a structured-mode envelope as the contract shows it', () => {
    expect(validateEnvelope(envelope())).toEqual({ ok: true, value: envelope() });
  });

  it('accepts the resendof extension and tolerates other extensions', () => {
    expect(errorsOf({ ...envelope(), resendof: 'evt_0', traceparent: '00-abc-def-01' })).toEqual([]);
  });

  it('treats null optional attributes as absent, as the CloudEvents JSON format does', () => {
    expect(errorsOf({ ...envelope(), time: null, subject: null, dataschema: null, resendof: null })).toEqual([]);
  });

  it.each(['specversion', 'id', 'source', 'type', 'data'])('names a missing %s', (attribute) => {
    const json: Record<string, unknown> = envelope();
    delete json[attribute];
    expect(errorsOf(json)).toEqual([`${attribute}: is required`]);
  });

  it('refuses another CloudEvents version', () => {
    expect(errorsOf({ ...envelope(), specversion: '0.3' })).toEqual(['specversion: must be "1.0", got "0.3"']);
  });

  it('refuses empty id, source and type', () => {
    expect(errorsOf({ ...envelope(), id: '', source: '', type: '' })).toEqual([
      'id: must not be empty',
      'source: must not be empty',
      'type: must not be empty',
    ]);
  });

  it('refuses a time that is not RFC 3339 and a dataschema that is not a URI', () => {
    expect(errorsOf({ ...envelope(), time: 'now', dataschema: 'order paid' })).toEqual([
      'time: must be an RFC 3339 date-time with a time zone, e.g. 2026-11-29T12:00:00Z',
      'dataschema: must be an absolute URI, e.g. https://example.com/guide',
    ]);
  });

  it('refuses data that is not an object', () => {
    expect(errorsOf({ ...envelope(), data: 'hello' })).toEqual(['data: must be an object, got a string']);
  });

  it('names the envelope when it is not an object at all', () => {
    expect(errorsOf([1, 2])).toEqual(['envelope: must be an object, got an array']);
  });
});

describe('date-time', () => {
  const theirs = (fullFormats['date-time'] as { validate: (value: string) => boolean }).validate;
  const accepted = (time: string) => validateEnvelope({ ...envelope(), time }).ok;

  it("accepts and refuses exactly what ajv-formats' date-time does", () => {
    const times = [
      '2026-11-29T12:00:00Z',
      '2026-11-29T12:00:00.123Z',
      new Date().toISOString(),
      '2024-02-29T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-01-31T23:59:59.999999Z',
      '2026-12-31T23:59:60Z',
      '2026-12-31T22:59:60-01:00',
      '2026-11-29T12:00:00+01:00',
      '2026-11-29T12:00:00',
      '2026-11-29t12:00:00z',
      '2026-11-29 12:00:00Z',
      '2026-11-29T24:00:00Z',
      '2026-11-29T12:60:00Z',
      '2026-13-01T12:00:00Z',
      '2026-00-01T12:00:00Z',
      '2026-11-00T12:00:00Z',
      '2026-11-29T12:00:00.Z',
      '2026-11-29T12:00:00Z\n',
      '+2026-11-29T12:00:00Z',
      '２０２６-11-29T12:00:00Z',
    ];
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    for (let i = 0; i < 2000; i++) {
      const [y, mo, d, h, mi, se] = [
        Math.floor(Math.random() * 10000),
        Math.floor(Math.random() * 14),
        Math.floor(Math.random() * 33),
        Math.floor(Math.random() * 26),
        Math.floor(Math.random() * 62),
        Math.floor(Math.random() * 62),
      ];
      times.push(`${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(se)}${i % 3 === 0 ? '.5' : ''}${i % 4 === 0 ? '+00:00' : 'Z'}`);
    }
    for (const time of times) expect([time, accepted(time)]).toEqual([time, theirs(time)]);
  });
});

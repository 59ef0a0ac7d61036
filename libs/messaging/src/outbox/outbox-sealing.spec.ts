import { randomUUID } from 'node:crypto';
import { outboxPayloadContext } from './outbox-sealing';

describe('outboxPayloadContext', () => {
  it('names a row by its id as PostgreSQL spells a uuid, however the id was written', () => {
    const canonical = 'outbox:0f8e7d6c-5b4a-4938-8271-605f4e3d2c1b';
    for (const id of [
      '0f8e7d6c-5b4a-4938-8271-605f4e3d2c1b',
      '0F8E7D6C-5B4A-4938-8271-605F4E3D2C1B',
      '0f8e7d6c5b4a49388271605f4e3d2c1b',
      '{0f8e7d6c-5b4a-4938-8271-605f4e3d2c1b}',
    ])
      expect(outboxPayloadContext(id)).toBe(canonical);
    const id = randomUUID();
    expect(outboxPayloadContext(id)).toBe(`outbox:${id}`);
  });

  it('keeps an id that is no uuid as it is', () => {
    expect(outboxPayloadContext('evt_1')).toBe('outbox:evt_1');
    expect(outboxPayloadContext('0f8e7d6c-5b4a-4938-8271-605f4e3d2c1b\n')).toBe('outbox:0f8e7d6c-5b4a-4938-8271-605f4e3d2c1b%0A');
  });
});

import { LineState, nextLineState } from './line-status';

const at = (status: LineState['status'], reason: string | null = null): LineState => ({ status, reason });

describe('line status', () => {
  it('moves a waiting line to awaiting_stock or unroutable with the reason, and updates the reason', () => {
    const deferred = { kind: 'deferred', status: 'awaiting_stock', reason: 'pool empty' } as const;
    expect(nextLineState(at('received'), deferred)).toEqual(at('awaiting_stock', 'pool empty'));
    expect(nextLineState(at('awaiting_stock', 'pool empty'), deferred)).toBeNull();
    expect(nextLineState(at('unroutable', 'no pool'), deferred)).toEqual(at('awaiting_stock', 'pool empty'));
  });

  it('never lets a late deferral undo an allocation or a delivery', () => {
    const deferred = { kind: 'deferred', status: 'awaiting_stock', reason: 'pool empty' } as const;
    expect(nextLineState(at('allocated'), deferred)).toBeNull();
    expect(nextLineState(at('delivered'), deferred)).toBeNull();
  });

  it('allocates a waiting line but never un-delivers one', () => {
    expect(nextLineState(at('awaiting_stock', 'pool empty'), { kind: 'allocated' })).toEqual(at('allocated'));
    expect(nextLineState(at('delivered'), { kind: 'allocated' })).toBeNull();
  });

  it('delivers on the original e-mail, even before the allocation was seen', () => {
    expect(nextLineState(at('allocated'), { kind: 'email_sent', resend: false })).toEqual(at('delivered'));
    expect(nextLineState(at('received'), { kind: 'email_sent', resend: false })).toEqual(at('delivered'));
  });

  it('lets a resend deliver only a line whose e-mail failed for good', () => {
    expect(nextLineState(at('email_failed', 'bounced'), { kind: 'email_sent', resend: true })).toEqual(at('delivered'));
    expect(nextLineState(at('allocated'), { kind: 'email_sent', resend: true })).toBeNull();
    expect(nextLineState(at('delivered'), { kind: 'email_sent', resend: true })).toBeNull();
  });

  const failedAt = '2026-11-29T12:00:00.000Z';

  it('marks email_failed only for a permanent failure of an undelivered line', () => {
    expect(nextLineState(at('allocated'), { kind: 'email_failed', permanent: true, reason: '550', failedAt })).toEqual(at('email_failed', '550'));
    expect(nextLineState(at('delivered'), { kind: 'email_failed', permanent: true, reason: '550', failedAt })).toBeNull();
  });

  it('keeps an allocated line allocated while its e-mail is retried, saying why and since when', () => {
    const retrying = { kind: 'email_failed', permanent: false, reason: 'SendGrid answered 503: Service Unavailable', failedAt } as const;
    const shown = at('allocated', `e-mail retrying: SendGrid answered 503: Service Unavailable (since ${failedAt})`);
    expect(nextLineState(at('allocated'), retrying)).toEqual(shown);
    expect(nextLineState(shown, retrying)).toBeNull();
    expect(nextLineState(shown, { kind: 'email_sent', resend: false })).toEqual(at('delivered'));
    expect(nextLineState(shown, { kind: 'email_failed', permanent: true, reason: 'still failing after 24 h', failedAt })).toEqual(
      at('email_failed', 'still failing after 24 h'),
    );
  });

  it('never lets a late retry notice touch a delivered or failed line', () => {
    const retrying = { kind: 'email_failed', permanent: false, reason: '503', failedAt } as const;
    expect(nextLineState(at('delivered'), retrying)).toBeNull();
    expect(nextLineState(at('email_failed', 'bounced'), retrying)).toBeNull();
    expect(nextLineState(at('received'), retrying)).toBeNull();
  });
});

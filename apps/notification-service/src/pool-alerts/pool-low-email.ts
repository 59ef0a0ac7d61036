import type { PoolLowData } from '@keypool/contracts';
import { escapeHtml } from '../templates/html';
import { htmlDocument, RenderedEmail } from '../templates/license-email';

/** What the merchant's alert contacts read when a pool runs low or empty. */
export function renderPoolLowEmail(alert: PoolLowData, platformName: string): RenderedEmail {
  const scope = [alert.productId ? `product ${alert.productId}` : 'all products', alert.currency ? `currency ${alert.currency}` : 'all currencies'].join(', ');
  const empty = alert.level === 'empty';
  const headline = empty ? `Your license pool ${alert.poolId} is empty.` : `Your license pool ${alert.poolId} is running low.`;
  const facts: [string, string][] = [
    ['Pool', alert.poolId],
    ['Serves', scope],
    ['Available', `${alert.available} license${alert.available === 1 ? '' : 's'}`],
    ['Alert threshold', String(alert.threshold)],
    ['Order lines waiting', String(alert.backordered)],
  ];
  const advice = [
    'Upload more licenses to this pool to keep orders flowing.',
    alert.backordered > 0
      ? `${alert.backordered} order line${alert.backordered === 1 ? ' is' : 's are'} waiting; they are served, oldest first among those the stock can serve, as soon as licenses arrive.`
      : 'No order is waiting yet.',
  ];
  const signature = `— The ${platformName} team`;
  const subject = `${empty ? 'Pool empty' : 'Pool low'}: ${alert.poolId} (${alert.available} left, ${scope})`;
  return {
    subject,
    text: ['Hello,', '', headline, '', ...facts.map(([k, v]) => `${k}: ${v}`), '', ...advice, '', signature, ''].join('\n'),
    html: htmlDocument(subject, [
      '<p>Hello,</p>',
      `<p><strong>${escapeHtml(headline)}</strong></p>`,
      `<table>${facts.map(([k, v]) => `<tr><th align="left">${k}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`,
      ...advice.map((line) => `<p>${escapeHtml(line)}</p>`),
      `<p>${escapeHtml(signature)}</p>`,
    ]),
  };
}

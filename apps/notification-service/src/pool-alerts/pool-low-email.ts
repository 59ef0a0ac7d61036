import type { PoolLowData } from '@keypool/contracts';
import { escapeHtml } from '../templates/html';
import { htmlDocument, RenderedEmail } from '../templates/license-email';

/**
 * What the merchant's alert contacts read when a pool runs low or empty: the pool by its name,
 * product, currency and mode, what to do, and a link to the pool's page in the console.
 * `poolName` and `mode` came after PoolLow v1: an alert without them names the pool by its id.
 */
export function renderPoolLowEmail(alert: PoolLowData, platformName: string, consoleUrl: string): RenderedEmail {
  const name = alert.poolName ?? `pool ${alert.poolId}`;
  const mode = alert.mode ?? null;
  const product = alert.productId ?? 'all products';
  const currency = alert.currency ?? 'all currencies';
  const empty = alert.level === 'empty';
  const poolUrl = `${consoleUrl}/pools/${encodeURIComponent(alert.poolId)}`;
  const licenses = (n: number) => `${n} license${n === 1 ? '' : 's'}`;
  const kind = mode ? `${mode} license pool` : 'license pool';
  const headline = empty
    ? `Your ${kind} "${name}" is empty${alert.available > 0 ? ` for the orders waiting on it (${licenses(alert.available)} left)` : ''}.`
    : `Your ${kind} "${name}" is running low: ${licenses(alert.available)} left, below its alert threshold of ${alert.threshold}.`;
  const facts: [string, string][] = [
    ['Pool', name],
    ['Pool id', alert.poolId],
    ...(mode ? [['Mode', mode === 'live' ? 'live (serves real purchases)' : 'test (serves test purchases only)'] as [string, string]] : []),
    ['Product', product],
    ['Currency', currency],
    ['Available', licenses(alert.available)],
    ['Alert threshold', String(alert.threshold)],
    ['Order lines waiting', String(alert.backordered)],
  ];
  const todo = [
    `Import more licenses into this pool (a .txt file, one license per line) on its page in the console: ${poolUrl}`,
    empty
      ? 'Until you do, new orders this pool serves wait for stock.'
      : `If this alert leaves too little time to restock, raise the pool's alert threshold on the same page; if it comes too early, lower it.`,
    alert.backordered > 0
      ? `${alert.backordered} order line${alert.backordered === 1 ? ' is' : 's are'} waiting; they are served, oldest first among those the stock can serve, as soon as licenses arrive.`
      : 'No order is waiting yet.',
  ];
  const signature = `— The ${platformName} team`;
  const scope = [mode, alert.productId, alert.currency].filter((part): part is string => Boolean(part)).join(', ');
  const subject = `${empty ? 'Pool empty' : 'Pool low'}: ${name}${scope ? ` (${scope})` : ''}, ${alert.available} left`;
  return {
    subject,
    text: ['Hello,', '', headline, '', ...facts.map(([k, v]) => `${k}: ${v}`), '', 'What to do:', ...todo.map((line) => `- ${line}`), '', signature, ''].join(
      '\n',
    ),
    html: htmlDocument(subject, [
      '<p>Hello,</p>',
      `<p><strong>${escapeHtml(headline)}</strong></p>`,
      `<table>${facts.map(([k, v]) => `<tr><th align="left">${k}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`,
      '<p>What to do:</p>',
      '<ul>',
      `<li>Import more licenses into this pool (a .txt file, one license per line) on <a href="${escapeHtml(poolUrl)}">its page in the console</a>.</li>`,
      ...todo.slice(1).map((line) => `<li>${escapeHtml(line)}</li>`),
      '</ul>',
      `<p><a href="${escapeHtml(poolUrl)}">Open ${escapeHtml(name)} in the console</a></p>`,
      `<p>${escapeHtml(signature)}</p>`,
    ]),
  };
}

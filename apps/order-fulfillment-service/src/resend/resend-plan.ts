import type { LineStatus } from '../orders/line-status';

const whenItIsSent: Partial<Record<LineStatus, string>> = {
  received: 'it is e-mailed automatically once its licenses are allocated',
  awaiting_stock: 'it is e-mailed automatically once stock arrives',
  unroutable: 'it is e-mailed automatically once a pool serves this product',
};

/** Why a line cannot be resent yet, in words support can pass on to the merchant. */
export function noLicensesYet(line: { lineId: string; status: LineStatus; statusReason: string | null }): string {
  const status = line.status === 'unroutable' && line.statusReason ? `unroutable: ${line.statusReason}` : line.status;
  const hint = whenItIsSent[line.status] ?? 'it is e-mailed automatically once its licenses are allocated';
  return `line ${line.lineId} has no licenses yet (status ${status}); ${hint}`;
}

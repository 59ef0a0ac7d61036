import { validateEventData } from '@keypool/contracts';
import { MerchantTextTemplates } from '../templates/merchant-text-template';
import { EmailRenderRefused, RenderedEmail, renderLicenseEmail } from '../templates/license-email';
import type { OrderForEmail } from '../templates/order-view';
import { SAMPLE_ORDER } from '../templates/sample-order';
import { EmailTextError, normaliseNewlines, validateEmailText } from '../templates/validate-email-text';
import type { EffectiveText } from './email-texts.handler';

export interface PreviewRequest {
  /** Unsaved text to try out; the saved (effective) text when absent. */
  text?: string;
  subject?: string | null;
  /** Order data to render with, over the sample order; licenses as plain strings. */
  order?: Record<string, unknown>;
}

/** The product (null: the merchant default) and the customer locale the preview is for. */
export interface PreviewLine {
  merchantId: string;
  productId: string | null;
  locale: string | null;
}

export type PreviewResult =
  | { ok: true; email: RenderedEmail }
  | { ok: false; problem: 'text'; errors: EmailTextError[] }
  | { ok: false; problem: 'order'; errors: string[] }
  | { ok: false; problem: 'too-large'; message: string };

export function previewEmailText(
  templates: MerchantTextTemplates,
  saved: EffectiveText,
  request: PreviewRequest,
  line: PreviewLine,
  platformName: string,
): PreviewResult {
  const subject = request.subject !== undefined ? request.subject : request.text !== undefined ? null : saved.subject;
  const text = request.text !== undefined ? normaliseNewlines(request.text) : saved.text;
  const errors = validateEmailText({ subject, text });
  if (errors.length > 0) return { ok: false, problem: 'text', errors };
  const order = previewOrder(request.order ?? {}, line);
  if (!order.ok) return { ok: false, problem: 'order', errors: order.errors };
  const sender = { merchantName: saved.merchantName ?? line.merchantId, platformName };
  try {
    return { ok: true, email: renderLicenseEmail(templates, order.value, { subject: subject ?? null, text }, sender) };
  } catch (error) {
    // The same limit as a real send: a preview shows what the customer would get, or why not.
    if (error instanceof EmailRenderRefused) return { ok: false, problem: 'too-large', message: error.message };
    throw error;
  }
}

/** The sample order with the caller's data laid over it, checked against the LicenseAllocated contract. */
function previewOrder(input: Record<string, unknown>, line: PreviewLine) {
  const sample = SAMPLE_ORDER;
  const customerIn = asObject(input['customer']);
  // Whatever the caller sent: the contract check below decides.
  const licenses: unknown[] = Array.isArray(input['licenses']) ? input['licenses'] : sample.licenses.map((l) => l.value);
  const parentLicenses: unknown[] = Array.isArray(input['parentLicenses']) ? input['parentLicenses'] : [];
  const item = { ...sample.item, ...(line.productId ? { productId: line.productId } : {}), ...asObject(input['item']) };
  const candidate = {
    ...sample,
    ...input,
    merchantId: line.merchantId,
    lineId: item.lineId,
    productId: item.productId,
    test: input['test'] ?? false,
    poolId: 'preview',
    customer: {
      ...sample.customer,
      ...(line.locale ? { locale: line.locale } : {}),
      ...customerIn,
      address: { ...sample.customer.address, ...asObject(customerIn['address']) },
    },
    item,
    licenses: licenses.map((value, i) => ({ licenseId: `preview_${i + 1}`, value })),
    parentLicenses: parentLicenses.map((value, i) => ({ licenseId: `preview_parent_${i + 1}`, value })),
  };
  const checked = validateEventData('LicenseAllocated', candidate);
  if (!checked.ok) return { ok: false as const, errors: checked.errors.map((e) => e.replace(/^data\b/, 'order')) };
  return { ok: true as const, value: checked.value as OrderForEmail };
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

// What the sink keeps of one accepted mail/send request. Fields are flattened
// for easy assertions in tests; `requestBody` keeps everything else verbatim.
import { isJsonObject, type JsonObject } from './json-guards';
import { recipientEmails } from './personalization-validation';

export interface StoredMessage {
  /** Same value the client received in the X-Message-Id response header. */
  id: string;
  /** ISO-8601 time the sink accepted the request. */
  receivedAt: string;
  from: { email: string; name?: string };
  /** Every `to` address over all personalizations, in request order. */
  to: string[];
  cc: string[];
  bcc: string[];
  /** Top-level subject, else the first personalization's subject. */
  subject: string | null;
  text: string | null;
  html: string | null;
  categories: string[];
  template_id: string | null;
  /** Top-level custom_args merged with each personalization's (later wins). */
  custom_args: Record<string, string>;
  headers: Record<string, string>;
  /** The request body exactly as received (parsed JSON). */
  requestBody: JsonObject;
}

/** Builds the stored form of a request that already passed validation. */
export function toStoredMessage(id: string, receivedAt: Date, body: JsonObject): StoredMessage {
  const personalizations = asObjects(body.personalizations);
  const from = isJsonObject(body.from) ? body.from : {};
  const content = asObjects(body.content);
  const contentOfType = (type: string): string | null => {
    const block = content.find((c) => c.type === type);
    return typeof block?.value === 'string' ? block.value : null;
  };
  return {
    id,
    receivedAt: receivedAt.toISOString(),
    from: { email: String(from.email), ...(typeof from.name === 'string' ? { name: from.name } : {}) },
    to: personalizations.flatMap((p) => recipientEmails(p.to)),
    cc: personalizations.flatMap((p) => recipientEmails(p.cc)),
    bcc: personalizations.flatMap((p) => recipientEmails(p.bcc)),
    subject: firstString(body.subject, personalizations[0]?.subject),
    text: contentOfType('text/plain'),
    html: contentOfType('text/html'),
    categories: Array.isArray(body.categories) ? body.categories.filter((c): c is string => typeof c === 'string') : [],
    template_id: firstString(body.template_id),
    custom_args: mergeStringMaps(body.custom_args, ...personalizations.map((p) => p.custom_args)),
    headers: mergeStringMaps(body.headers, ...personalizations.map((p) => p.headers)),
    requestBody: body,
  };
}

function asObjects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

function firstString(...candidates: unknown[]): string | null {
  const found = candidates.find((c) => typeof c === 'string');
  return typeof found === 'string' ? found : null;
}

function mergeStringMaps(...maps: unknown[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const map of maps.filter(isJsonObject)) {
    for (const [key, value] of Object.entries(map)) {
      if (typeof value === 'string') merged[key] = value;
    }
  }
  return merged;
}

// What the sink keeps of one accepted mail/send request: one StoredMessage per
// personalization, because SendGrid delivers one e-mail per personalization
// (each with its own recipients, subject, custom_args and substitutions).
// Fields are flattened for easy assertions in tests; `requestBody` keeps
// everything else verbatim.
import { isJsonObject, type JsonObject } from './json-guards';
import { recipientEmails } from './personalization-validation';
import { substituter } from './substitutions';

export interface StoredMessage {
  /**
   * Unique per stored e-mail. For personalization 0 it equals `requestId`
   * (so a one-personalization request is stored under the X-Message-Id the
   * client received); personalization i >= 1 gets `${requestId}.${i}`.
   */
  id: string;
  /** The X-Message-Id returned for the request; shared by all of its personalizations. */
  requestId: string;
  /** Index into the request's `personalizations` this e-mail was built from. */
  personalization: number;
  /** ISO-8601 time the sink accepted the request. */
  receivedAt: string;
  from: { email: string; name?: string };
  /** The request's `reply_to` (`{email, name?}`), or null when it has none. */
  reply_to: { email: string; name?: string } | null;
  /** The `to` addresses of this personalization only, in request order. */
  to: string[];
  /** The `cc` addresses of this personalization only. */
  cc: string[];
  /** The `bcc` addresses of this personalization only. */
  bcc: string[];
  /** This personalization's subject, else the top-level one; substitutions applied. */
  subject: string | null;
  /** The request's text/plain content with this personalization's substitutions applied. */
  text: string | null;
  /** The request's text/html content with this personalization's substitutions applied. */
  html: string | null;
  categories: string[];
  template_id: string | null;
  /** Top-level custom_args merged with this personalization's (personalization wins). */
  custom_args: Record<string, string>;
  /** Top-level headers merged with this personalization's (personalization wins). */
  headers: Record<string, string>;
  /** The request body exactly as received (parsed JSON); the same for all e-mails of one request. */
  requestBody: JsonObject;
}

/** The id of the e-mail for personalization `index` of the request answered with `requestId`. */
export function storedMessageId(requestId: string, index: number): string {
  return index === 0 ? requestId : `${requestId}.${index}`;
}

/** Builds the stored e-mails (one per personalization) of a request that already passed validation. */
export function toStoredMessages(requestId: string, receivedAt: Date, body: JsonObject): StoredMessage[] {
  const from = isJsonObject(body.from) ? body.from : {};
  const replyTo = isJsonObject(body.reply_to) ? body.reply_to : null;
  const content = asObjects(body.content);
  const contentOfType = (type: string): string | null => {
    const block = content.find((c) => c.type === type);
    return typeof block?.value === 'string' ? block.value : null;
  };
  const shared = {
    receivedAt: receivedAt.toISOString(),
    from: { email: String(from.email), ...(typeof from.name === 'string' ? { name: from.name } : {}) },
    reply_to: replyTo ? { email: String(replyTo.email), ...(typeof replyTo.name === 'string' ? { name: replyTo.name } : {}) } : null,
    categories: Array.isArray(body.categories) ? body.categories.filter((c): c is string => typeof c === 'string') : [],
    template_id: firstString(body.template_id),
    requestBody: body,
  };
  const text = contentOfType('text/plain');
  const html = contentOfType('text/html');
  const subject = firstString(body.subject);
  return asObjects(body.personalizations).map((p, index): StoredMessage => {
    const substitute = substituter(stringEntries(p.substitutions));
    const apply = (value: string | null): string | null => (value === null ? null : substitute(value));
    return {
      id: storedMessageId(requestId, index),
      requestId,
      personalization: index,
      ...shared,
      to: recipientEmails(p.to),
      cc: recipientEmails(p.cc),
      bcc: recipientEmails(p.bcc),
      subject: apply(typeof p.subject === 'string' ? p.subject : subject),
      text: apply(text),
      html: apply(html),
      custom_args: { ...stringEntries(body.custom_args), ...stringEntries(p.custom_args) },
      headers: { ...stringEntries(body.headers), ...stringEntries(p.headers) },
    };
  });
}

function asObjects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

function firstString(...candidates: unknown[]): string | null {
  const found = candidates.find((c) => typeof c === 'string');
  return typeof found === 'string' ? found : null;
}

/** The string-valued entries of a JSON object; anything else gives {}. */
function stringEntries(map: unknown): Record<string, string> {
  if (!isJsonObject(map)) return {};
  return Object.fromEntries(Object.entries(map).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

// POST /v3/mail/send: the one SendGrid endpoint the services call.
// Order of checks: injected fault, then API key, then body validation, so a
// scheduled outage hits whatever the next send request is.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from './fault-injector';
import { BodyTooLargeError, parseJson, readBody, sendEmpty, sendJson } from './http-io';
import { isJsonObject } from './json-guards';
import { validateMailSend } from './mail-send-validation';
import type { MessageStore } from './message-store';
import { FAULT_BODIES, INVALID_API_KEY, fieldError, generalError } from './sendgrid-errors';
import { toStoredMessages } from './stored-message';

export interface MailSendDeps {
  apiKey: string;
  store: MessageStore;
  faults: FaultInjector;
}

/** SendGrid message ids are 22 URL-safe base64 characters, e.g. "W8bo-4V7RZK0Gd8u3JyRxQ". */
export function newMessageId(): string {
  return randomBytes(16).toString('base64url');
}

// The auth scheme name is case-insensitive in HTTP ("bearer" works at SendGrid too).
function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer +(\S+)$/i.exec(header ?? '')?.[1];
}

export async function handleMailSend(req: IncomingMessage, res: ServerResponse, deps: MailSendDeps): Promise<void> {
  const fault = deps.faults.take();
  if (fault) {
    req.resume(); // discard the body so the connection can be reused
    const retryAfter: Record<string, string> = fault.status === 429 && fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {};
    return sendJson(res, fault.status, FAULT_BODIES[fault.status], retryAfter);
  }
  if (bearerToken(req.headers.authorization) !== deps.apiKey) {
    req.resume();
    return sendJson(res, 401, INVALID_API_KEY);
  }

  let text: string;
  try {
    text = await readBody(req);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return sendJson(res, 413, { errors: [generalError('The request body is larger than 30 MB.')] }, { Connection: 'close' });
  }
  const parsed = parseJson(text);
  if (!parsed.ok) {
    return sendJson(res, 400, { errors: [fieldError('(root)', 'The request body is not valid JSON.', 'root')] });
  }
  const errors = validateMailSend(parsed.value);
  if (errors.length > 0 || !isJsonObject(parsed.value)) {
    return sendJson(res, 400, { errors });
  }

  // One X-Message-Id per request, as SendGrid does; the store gets one e-mail
  // per personalization (ids X, X.1, X.2, ...).
  const requestId = newMessageId();
  for (const message of toStoredMessages(requestId, new Date(), parsed.value)) deps.store.add(message);
  sendEmpty(res, 202, { 'X-Message-Id': requestId });
}

// Everything except mail/send: inspection (/__messages), fault injection
// (/__control), the inbox page and the health check.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseFaultSpec, type FaultInjector } from './fault-injector';
import { parseJson, readBody, sendEmpty, sendHtml, sendJson } from './http-io';
import { renderInboxPage } from './inbox-page';
import type { MessageFilter, MessageStore } from './message-store';
import type { SinkControls } from './sink';

export interface SinkRouteDeps {
  store: MessageStore;
  faults: FaultInjector;
  controls: SinkControls;
}

const MESSAGE_PATH = /^\/__messages\/([^/]+)$/;

export async function handleSinkRoute(req: IncomingMessage, res: ServerResponse, url: URL, deps: SinkRouteDeps): Promise<void> {
  const route = `${req.method} ${url.pathname}`;
  const messageId = MESSAGE_PATH.exec(url.pathname)?.[1];

  if (route === 'GET /health') return sendJson(res, 200, { status: 'ok' });
  if (route === 'GET /') return sendInbox(res, deps.store);
  if (route === 'GET /__messages') return listMessages(res, url, deps.store);
  if (route === 'DELETE /__messages') {
    deps.store.clear();
    return sendEmpty(res, 204);
  }
  if (req.method === 'GET' && messageId !== undefined) {
    // Ids are URL-safe already; a malformed %-escape simply finds nothing.
    const message = deps.store.get(safeDecode(messageId));
    return message ? sendJson(res, 200, message) : sendJson(res, 404, { error: `no message with id ${messageId}` });
  }
  if (route === 'POST /__control/fail') return scheduleFault(req, res, deps.faults);
  if (route === 'POST /__control/reset') {
    deps.controls.reset();
    return sendEmpty(res, 204);
  }
  sendJson(res, 404, { errors: [{ message: `${route} not found`, field: null, help: null }] });
}

function listMessages(res: ServerResponse, url: URL, store: MessageStore): void {
  const filter: MessageFilter = {};
  const to = url.searchParams.get('to');
  const since = url.searchParams.get('since');
  if (to) filter.to = to;
  if (since) {
    filter.since = new Date(since);
    if (Number.isNaN(filter.since.getTime())) {
      return sendJson(res, 400, { error: `since must be an ISO-8601 time, got ${since}` });
    }
  }
  sendJson(res, 200, store.list(filter));
}

async function scheduleFault(req: IncomingMessage, res: ServerResponse, faults: FaultInjector): Promise<void> {
  const parsed = parseJson(await readBody(req));
  const spec = parsed.ok ? parseFaultSpec(parsed.value) : 'body must be JSON';
  if (typeof spec === 'string') return sendJson(res, 400, { error: spec });
  faults.schedule(spec);
  sendJson(res, 200, { scheduled: spec, pendingFaults: faults.pendingCount });
}

function sendInbox(res: ServerResponse, store: MessageStore): void {
  const nonce = randomBytes(16).toString('base64');
  const html = renderInboxPage(store.list(), { maxMessages: store.maxMessages, scriptNonce: nonce });
  // The CSP is a second fence after escaping: only our own nonce'd script
  // runs, and e-mail HTML cannot load remote resources (images, fonts, ...).
  sendHtml(res, html, {
    'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-src 'self'`,
    'Cache-Control': 'no-store',
  });
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// GET / — the human inbox used in the demo. Server-rendered HTML; every value
// from an e-mail is escaped, and the HTML part is shown in an <iframe sandbox>
// whose srcdoc is escaped too, so an e-mail can neither run script nor break
// out of its frame.
import { escapeHtml } from './html-escape';
import { INBOX_REFRESH_SCRIPT, INBOX_STYLES } from './inbox-page-assets';
import type { StoredMessage } from './stored-message';

export interface InboxPageInfo {
  maxMessages: number;
  /** CSP nonce that allows the page's own refresh script and nothing else. */
  scriptNonce: string;
}

export function renderInboxPage(oldestFirst: StoredMessage[], info: InboxPageInfo): string {
  const newestFirst = [...oldestFirst].reverse();
  // Changes whenever a message arrives or the store is cleared; the refresh
  // script only swaps the page content when this differs.
  const fingerprint = `${newestFirst.length}:${newestFirst[0]?.id ?? ''}`;
  const body = newestFirst.length === 0 ? EMPTY_STATE : newestFirst.map(renderMessage).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Local SendGrid inbox (${newestFirst.length})</title>
<noscript><meta http-equiv="refresh" content="2"></noscript>
<style>${INBOX_STYLES}</style>
<script nonce="${escapeHtml(info.scriptNonce)}">${INBOX_REFRESH_SCRIPT}</script>
</head>
<body data-fingerprint="${escapeHtml(fingerprint)}">
<header>
<h1>Local SendGrid inbox</h1>
<p>E-mails that keypool services send with <code>@sendgrid/mail</code> to this local sink land here instead of
real mailboxes. Newest first; the page refreshes every 2&nbsp;seconds.
Holding ${newestFirst.length} of at most ${info.maxMessages} messages.
Raw JSON: <a href="/__messages">/__messages</a>.</p>
</header>
<main>
${body}
</main>
</body>
</html>
`;
}

const EMPTY_STATE = `<p class="empty">No e-mails yet. Anything accepted by <code>POST /v3/mail/send</code> appears here.</p>`;

function renderMessage(message: StoredMessage): string {
  const e = escapeHtml;
  const subject = message.subject ?? (message.template_id ? `(template ${message.template_id})` : '(no subject)');
  const from = message.from.name ? `${message.from.name} <${message.from.email}>` : message.from.email;
  const optionalRows = [
    message.cc.length > 0 ? row('Cc', message.cc.join(', ')) : '',
    message.categories.length > 0 ? row('Categories', message.categories.join(', ')) : '',
  ].join('');
  return `<article class="mail">
<h2>${e(subject)}</h2>
<dl>
<dt>Received</dt><dd><time datetime="${e(message.receivedAt)}">${e(readableTime(message.receivedAt))}</time></dd>
${row('From', from)}${row('To', message.to.join(', '))}${optionalRows}
<dt>Message id</dt><dd><a href="/__messages/${encodeURIComponent(message.id)}">${e(message.id)}</a></dd>
</dl>
${message.text === null ? '' : `<h3>Plain text</h3>\n<pre>${e(message.text)}</pre>`}
${message.html === null ? '' : `<h3>HTML</h3>\n<iframe sandbox="" referrerpolicy="no-referrer" title="HTML part of ${e(subject)}" srcdoc="${e(message.html)}"></iframe>`}
</article>`;
}

// "2025-11-29T15:12:44.493Z" -> "2025-11-29 15:12:44 UTC": same instant, easier to scan.
function readableTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function row(label: string, value: string): string {
  return `<dt>${label}</dt><dd>${escapeHtml(value)}</dd>\n`;
}

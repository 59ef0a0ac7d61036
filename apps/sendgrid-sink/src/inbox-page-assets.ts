// Static CSS and script of the inbox page, kept apart from the markup.

export const INBOX_STYLES = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; color: #1d1d1f; }
header p { color: #555; }
.mail { border: 1px solid #ccc; border-radius: 6px; padding: 0.5rem 1rem 1rem; margin: 1rem 0; }
.mail h2 { font-size: 1.15rem; margin: 0.5rem 0; }
.mail h3 { font-size: 0.85rem; text-transform: uppercase; color: #666; margin: 1rem 0 0.25rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0; }
dt { color: #666; }
dd { margin: 0; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 0.5rem; margin: 0; }
iframe { width: 100%; height: 14rem; border: 1px solid #ddd; resize: vertical; background: #fff; }
.empty { color: #666; font-style: italic; }
`;

// Polls the page every 2 s and swaps the body only when the set of messages
// changed, so reading a long e-mail is not interrupted by a full reload.
export const INBOX_REFRESH_SCRIPT = `
setInterval(async () => {
  try {
    const response = await fetch(location.href, { cache: 'no-store' });
    const next = new DOMParser().parseFromString(await response.text(), 'text/html');
    if (next.body.dataset.fingerprint !== document.body.dataset.fingerprint) {
      document.title = next.title;
      document.body.dataset.fingerprint = next.body.dataset.fingerprint;
      document.body.innerHTML = next.body.innerHTML;
    }
  } catch { /* sink restarting: try again on the next tick */ }
}, 2000);
`;

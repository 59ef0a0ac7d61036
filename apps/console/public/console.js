// The keypool console's pages. Plain DOM, no framework: every value goes in as text
// (textContent), never as HTML. The API key is sent once, to sign in; after that the
// browser holds only the console's httpOnly session cookie.
'use strict';

(function () {
  const state = { who: null, pools: [], timer: null, focus: null };
  // An address like /pools/<poolId> (a PoolLow e-mail links there) or /orders/<orderId>: that page, opened at that item.
  const deepLink = /^\/(pools|orders|licenses|dead-letters|alerts)(?:\/([^/]+))?$/.exec(location.pathname);
  if (deepLink) {
    state.focus = deepLink[2] ? decodeURIComponent(deepLink[2]) : null;
    history.replaceState(null, '', `/#${deepLink[1]}`);
  }
  const page = document.getElementById('page');

  /** Builds an element: h('td', { class: 'x' }, 'text', child, …). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  /** replaceChildren would write a null child as the text "null": leave the absent ones out. */
  function present(...children) {
    return children.filter((child) => child !== undefined && child !== null && child !== false);
  }

  async function api(method, path, body) {
    const options = { method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
    if (method !== 'GET') options.headers['x-keypool-console'] = '1';
    if (body !== undefined) {
      options.headers['content-type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (response.status === 401 && path !== '/api/session') {
      showSignIn('Your session ended; sign in again.');
      throw new Error('not signed in');
    }
    if (!response.ok) throw new Error((data && data.message) || `${response.status}`);
    return data;
  }

  function age(iso) {
    const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 60) return `${seconds}s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes}m`;
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
    return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
  }

  const isSupport = () => state.who && state.who.kind === 'support';
  // The after-sale pages (pool-page.js, licenses.js), built with the same toolkit.
  const kit = { h, api, age, isSupport, page };
  const poolPages = window.keypoolPoolPage(kit);
  const licensePages = window.keypoolLicenses(kit);

  // ---------- sign-in ----------

  function showSignIn(message) {
    clearInterval(state.timer);
    state.who = null;
    document.getElementById('nav').hidden = true;
    document.getElementById('who').hidden = true;
    page.hidden = true;
    document.getElementById('sign-in').hidden = false;
    document.getElementById('sign-in-error').textContent = message || '';
  }

  function signedIn(who) {
    state.who = who;
    document.getElementById('sign-in').hidden = true;
    document.getElementById('nav').hidden = false;
    document.getElementById('who').hidden = false;
    document.getElementById('who-text').textContent = who.kind === 'support' ? 'support' : `merchant ${who.merchantId}`;
    for (const link of document.querySelectorAll('[data-support-only]')) link.hidden = !isSupport();
    page.hidden = false;
    if (!location.hash) location.hash = '#pools';
    else render();
  }

  document.getElementById('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = document.getElementById('api-key');
    try {
      const who = await api('POST', '/api/session', { key: input.value });
      input.value = '';
      signedIn(who);
    } catch (error) {
      document.getElementById('sign-in-error').textContent = error.message;
    }
  });

  document.getElementById('sign-out').addEventListener('click', async () => {
    await api('DELETE', '/api/session').catch(() => undefined);
    location.hash = '';
    showSignIn('Signed out.');
  });

  window.addEventListener('hashchange', () => state.who && render());

  function render() {
    clearInterval(state.timer);
    const [name, query] = (location.hash || '#pools').slice(1).split('?');
    // A pool's page is reached from Pools.
    for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', link.dataset.page === (name === 'pool' ? 'pools' : name));
    page.replaceChildren();
    const focus = state.focus;
    state.focus = null;
    const pages = {
      pools: () => poolsPage(focus),
      pool: poolPages.poolPage,
      orders: () => ordersPage(focus),
      licenses: licensePages.licensesPage,
      'dead-letters': deadLettersPage,
      alerts: alertsPage,
    };
    (pages[name] || pages.pools)(new URLSearchParams(query || ''), focus).catch((error) =>
      page.append(h('p', { class: 'error', role: 'alert' }, error.message)),
    );
  }

  // ---------- pools ----------

  function levelOf(pool) {
    if (pool.available === 0) return 'empty';
    if (pool.available < pool.threshold) return 'low';
    return 'ok';
  }

  async function poolsPage(focus) {
    const merchantFilter = h('input', { name: 'merchantId', placeholder: 'all merchants', maxlength: 200 });
    const list = h('div', { id: 'pool-list' });
    const refresh = async () => {
      const query = isSupport() && merchantFilter.value ? `?merchantId=${encodeURIComponent(merchantFilter.value)}` : '';
      state.pools = await api('GET', `/api/pools${query}`);
      drawPools(list);
    };
    page.append(
      h('h2', {}, 'Pools'),
      h(
        'form',
        {
          class: 'inline',
          onsubmit: (e) => {
            e.preventDefault();
            refresh();
          },
        },
        isSupport() ? h('label', {}, 'Merchant', merchantFilter) : null,
        h('button', { type: 'submit', id: 'refresh-pools' }, 'Refresh'),
      ),
      h('p', { class: 'note' }, 'Stock against the low-stock threshold (the black mark). Refreshes every 10 s.'),
      list,
    );
    await refresh();
    if (focus) {
      const wanted = focus;
      const card = list.querySelector(`article.pool[data-pool-id="${CSS.escape(wanted)}"]`);
      if (!card) list.prepend(h('p', { class: 'error', role: 'alert' }, `Pool ${wanted} is not one this key can see.`));
      else {
        card.querySelector('details').open = true;
        card.scrollIntoView();
      }
    }
    state.timer = setInterval(() => refresh().catch(() => undefined), 10000);
  }

  function drawPools(list) {
    const open = new Set([...list.querySelectorAll('details[open]')].map((d) => d.dataset.poolId));
    list.replaceChildren();
    for (const mode of ['live', 'test']) {
      const pools = state.pools.filter((p) => p.mode === mode);
      list.append(h('h3', {}, mode === 'live' ? `Live pools (${pools.length})` : `Test pools (${pools.length})`));
      if (pools.length === 0) list.append(h('p', { class: 'note' }, `No ${mode} pools.`));
      list.append(
        h(
          'div',
          { class: 'pools', 'data-mode': mode },
          pools.map((pool) => poolCard(pool, open.has(pool.id))),
        ),
      );
    }
  }

  function poolCard(pool, open) {
    const level = levelOf(pool);
    const scale = Math.max(pool.available, pool.threshold * 2, 1);
    const scope = pool.productId ? `${pool.productId}${pool.currency ? ` · ${pool.currency}` : ''}` : 'all products (common pool)';
    const details = h('details', { 'data-pool-id': pool.id, open }, h('summary', {}, 'Consumption and held lines'), h('div', { class: 'detail-body' }));
    // Loaded once per card, when first opened (a card redrawn open loads again, for fresh figures).
    let loaded = false;
    const load = () => {
      if (loaded) return;
      loaded = true;
      const body = details.querySelector('.detail-body');
      poolDetails(pool, body).catch((error) => body.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message)));
    };
    details.addEventListener('toggle', () => details.open && load());
    if (open) load();
    return h(
      'article',
      { class: 'pool', 'data-pool-id': pool.id, 'data-level': level },
      h(
        'h4',
        {},
        pool.name,
        h('span', { class: 'badge mode' }, pool.mode),
        level === 'ok' ? null : h('span', { class: `badge ${level}`, 'data-badge': level }, level),
      ),
      h('div', { class: 'note' }, `${isSupport() ? `${pool.merchantId} · ` : ''}${scope}`),
      h(
        'div',
        { class: 'bar', title: `${pool.available} available, threshold ${pool.threshold}` },
        h('div', { class: `fill ${level === 'ok' ? '' : level}`, style: `width:${(100 * pool.available) / scale}%` }),
        h('div', { class: 'threshold', style: `left:${(100 * pool.threshold) / scale}%` }),
      ),
      h('div', { class: 'stock' }, `${pool.available} available · threshold ${pool.threshold} · ${pool.allocated} allocated · ${pool.backordered} held`),
      details,
      h('a', { href: `#pool?id=${encodeURIComponent(pool.id)}`, class: 'pool-page' }, 'Uploads, key format, withdraw'),
    );
  }

  async function poolDetails(pool, body) {
    body.replaceChildren(h('p', { class: 'note' }, 'Loading…'));
    const [consumption, held] = await Promise.all([
      api('GET', `/api/pools/${encodeURIComponent(pool.id)}/consumption`),
      api('GET', `/api/held-lines?poolId=${encodeURIComponent(pool.id)}&limit=50`),
    ]);
    const days = consumption.runsOutInDays;
    const rate = `${consumption.ratePerDay} a day over the last 7 days, or since the pool was created`;
    const runsOut =
      days === null
        ? 'Nothing was taken in the last 7 days.'
        : days === 0
          ? `Runs out within a day at the recent rate (${rate}).`
          : `Runs out in about ${days} day${days === 1 ? '' : 's'} (${rate}).`;
    const charts = h('div', { class: 'charts' });
    body.replaceChildren(h('p', { class: 'runs-out' }, runsOut), charts, heldTable(held.items));
    chart(charts, 'Last 24 hours (per hour)', consumption.hourly);
    chart(charts, 'Last 30 days (per day)', consumption.daily);
  }

  function chart(parent, title, buckets) {
    const box = h('div', { class: 'chart' });
    parent.append(box);
    if (typeof window.uPlot !== 'function') return box.append(h('p', { class: 'note' }, `${title}: chart unavailable`));
    const xs = buckets.map((b) => Date.parse(b.start) / 1000);
    const ys = buckets.map((b) => b.allocated);
    const step = xs.length > 1 ? xs[1] - xs[0] : 3600;
    new window.uPlot(
      {
        title,
        width: 320,
        height: 160,
        // Half a bucket of room either side, so the first and last bars are whole.
        scales: { x: { time: true, range: (u, min, max) => [min - step / 2, max + step / 2] }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
        series: [
          {},
          { label: 'allocated', stroke: '#1f2a44', fill: 'rgba(31,42,68,.35)', points: { show: false }, paths: window.uPlot.paths.bars({ size: [0.8] }) },
        ],
        legend: { show: false },
      },
      [xs, ys],
      box,
    );
  }

  function heldTable(items) {
    if (items.length === 0) return h('p', { class: 'note' }, 'No held lines.');
    return h(
      'table',
      { class: 'held-lines' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['order', 'line', 'licenses', 'status', 'reason', 'waiting'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        items.map((line) =>
          h(
            'tr',
            {},
            h('td', {}, line.orderId),
            h('td', {}, line.lineId),
            h('td', {}, line.licenseCount),
            h('td', {}, line.status),
            h('td', {}, line.reason || '—'),
            h('td', {}, age(line.requestedAt)),
          ),
        ),
      ),
    );
  }

  // ---------- orders ----------

  async function ordersPage(focus) {
    const orderId = h('input', { name: 'orderId', id: 'order-id', maxlength: 200, placeholder: 'ord_1001' });
    const email = h('input', { name: 'customerEmail', id: 'customer-email', type: 'email', maxlength: 254, placeholder: 'ann@example.com' });
    const merchant = h('input', { name: 'merchantId', id: 'order-merchant', maxlength: 200, placeholder: 'm_acme' });
    const result = h('div', { id: 'order-result' });
    page.append(
      h('h2', {}, 'Orders'),
      h(
        'form',
        {
          class: 'inline',
          id: 'order-search',
          onsubmit: (e) => {
            e.preventDefault();
            search();
          },
        },
        h('label', {}, 'Order id', orderId),
        h('label', {}, 'or customer e-mail', email),
        isSupport() ? h('label', {}, 'merchant (with an e-mail)', merchant) : null,
        h('button', { type: 'submit' }, 'Find'),
      ),
      result,
    );
    if (focus) {
      orderId.value = focus;
      search();
    }
    async function search() {
      result.replaceChildren();
      try {
        if (orderId.value.trim()) return showOrder(result, orderId.value.trim());
        if (!email.value.trim()) throw new Error('Enter an order id or a customer e-mail.');
        const query = new URLSearchParams({ customerEmail: email.value.trim(), limit: '50' });
        if (isSupport()) query.set('merchantId', merchant.value.trim());
        const found = await api('GET', `/api/orders?${query}`);
        if (found.orders.length === 0) return result.append(h('p', {}, 'No orders of this customer.'));
        result.append(
          h(
            'table',
            { class: 'order-list' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['order', 'status', 'received', 'lines'].map((t) => h('th', {}, t)),
              ),
            ),
            h(
              'tbody',
              {},
              found.orders.map((o) =>
                h(
                  'tr',
                  {},
                  h(
                    'td',
                    {},
                    h(
                      'a',
                      {
                        href: '#orders',
                        onclick: (e) => {
                          e.preventDefault();
                          orderId.value = o.orderId;
                          search();
                        },
                      },
                      o.orderId,
                    ),
                  ),
                  h('td', {}, o.status),
                  h('td', {}, `${age(o.receivedAt)} ago`),
                  h('td', {}, o.lines.map((l) => `${l.lineId}: ${l.status}`).join(', ')),
                ),
              ),
            ),
          ),
        );
      } catch (error) {
        result.append(h('p', { class: 'error', role: 'alert' }, error.message));
      }
    }
  }

  /** Shows an order; after a resend, `waitForEmails` more than it had: it reloads every 3 s (at most 10 times) until the resend shows. */
  async function showOrder(result, orderId, waitForEmails = 0, tries = 0) {
    const order = await api('GET', `/api/orders/${encodeURIComponent(orderId)}`);
    if (waitForEmails > order.emails.length && tries < 10) {
      setTimeout(() => showOrder(result, orderId, waitForEmails, tries + 1).catch(() => undefined), 3000);
    }
    const flash = h('div', { id: 'order-flash' });
    const resend = async (lineId) => {
      const path = lineId
        ? `/api/orders/${encodeURIComponent(orderId)}/lines/${encodeURIComponent(lineId)}/resend`
        : `/api/orders/${encodeURIComponent(orderId)}/resend`;
      try {
        const outcome = await api('POST', path);
        flash.replaceChildren(
          h(
            'p',
            { class: 'flash', role: 'status' },
            `Resent ${outcome.resent.length} line(s): ${outcome.resent.map((r) => r.lineId).join(', ') || 'none'}.`,
            outcome.skipped.length ? ` Skipped: ${outcome.skipped.map((s) => `${s.lineId} (${s.message})`).join('; ')}` : '',
            ' The e-mail list below updates once it is sent.',
          ),
        );
        setTimeout(() => showOrder(result, orderId, order.emails.length + outcome.resent.length).catch(() => undefined), 3000);
      } catch (error) {
        flash.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
      }
    };
    result.replaceChildren(
      ...present(
        h('h3', {}, `Order ${order.orderId}`),
        h(
          'p',
          {},
          `${order.status} · merchant ${order.merchantId} · ${order.test ? 'test' : 'live'} · customer ${order.customer && order.customer.email ? order.customer.email : '—'} · received ${age(order.receivedAt)} ago`,
        ),
        isSupport() ? h('button', { type: 'button', id: 'resend-order', onclick: () => resend() }, 'Resend all licenses') : null,
        flash,
        licensePages.orderRefund(order),
        h('h3', {}, 'Lines'),
        h(
          'table',
          { class: 'order-lines' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['line', 'product', 'qty', 'status', 'history', 'licenses', ''].map((t) => h('th', {}, t)),
            ),
          ),
          h(
            'tbody',
            {},
            order.lines.map((line) =>
              h(
                'tr',
                { 'data-line-id': line.lineId },
                h('td', {}, line.lineId),
                h('td', {}, line.productName || line.productId),
                h('td', {}, line.quantity),
                h('td', { class: 'line-status' }, line.status, line.statusReason ? ` (${line.statusReason})` : ''),
                h(
                  'td',
                  {},
                  line.statusHistory.map((s) => h('div', {}, `${s.status}${s.reason ? ` (${s.reason})` : ''} · ${age(s.at)} ago`)),
                ),
                h(
                  'td',
                  { class: 'licenses' },
                  line.licenses.map((l) =>
                    h('div', {}, h('code', {}, l.value || '(hidden)'), ' ', h('a', { href: `/licenses/${encodeURIComponent(l.licenseId)}` }, l.licenseId)),
                  ),
                  revealForm(orderId, line),
                ),
                h(
                  'td',
                  {},
                  isSupport() && line.licenses.length > 0
                    ? h('button', { type: 'button', class: 'resend-line', onclick: () => resend(line.lineId) }, 'Resend')
                    : null,
                ),
              ),
            ),
          ),
        ),
        h('h3', {}, `E-mails (${order.emails.length})`),
        h(
          'table',
          { class: 'order-emails' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['line', 'to', 'kind', 'resend', 'outcome', 'when'].map((t) => h('th', {}, t)),
            ),
          ),
          h(
            'tbody',
            {},
            order.emails.map((e) =>
              h(
                'tr',
                {},
                h('td', {}, e.lineId),
                h('td', {}, e.to || '—'),
                h('td', {}, e.kind),
                h('td', {}, e.resend ? 'resend' : 'original'),
                h('td', {}, e.providerMessageId ? `sent (${e.providerMessageId})` : e.reason || '—'),
                h('td', {}, `${age(e.at)} ago`),
              ),
            ),
          ),
        ),
      ),
    );
  }

  /** The audited reveal: the service records who asked and the reason given here. */
  function revealForm(orderId, line) {
    if (line.licenses.length === 0) return null;
    const reason = h('input', { name: 'reason', placeholder: 'reason, e.g. ticket 4711', minlength: 10, maxlength: 500, required: true });
    const out = h('div', { class: 'revealed' });
    return h(
      'form',
      {
        class: 'reveal',
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            const revealed = await api('POST', `/api/orders/${encodeURIComponent(orderId)}/lines/${encodeURIComponent(line.lineId)}/licenses/reveal`, {
              reason: reason.value,
            });
            out.replaceChildren(
              ...revealed.licenses.map((l) => h('div', {}, h('code', {}, l.value))),
              h('div', { class: 'note' }, `audit entry ${revealed.auditId}`),
            );
          } catch (error) {
            out.replaceChildren(h('span', { class: 'error' }, error.message));
          }
        },
      },
      h('details', {}, h('summary', {}, 'Reveal (audited)'), reason, h('button', { type: 'submit' }, 'Reveal')),
      out,
    );
  }

  // ---------- dead letters ----------

  async function deadLettersPage() {
    if (!isSupport()) return page.append(h('p', {}, 'Dead letters are for support keys.'));
    const { topics } = await api('GET', '/api/dead-letters');
    const records = h('div', { id: 'dlq-records' });
    page.append(
      h('h2', {}, 'Dead letters'),
      h(
        'p',
        { class: 'note' },
        'Depth is what Kafka keeps (end minus start offset); a redriven record stays until retention. Redrive sends a record back to the topic it came from, as the support CLI does.',
      ),
      h(
        'table',
        { class: 'dlq-depths' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['topic', 'depth', ''].map((t) => h('th', {}, t)),
          ),
        ),
        h(
          'tbody',
          {},
          topics.map((t) =>
            h(
              'tr',
              { 'data-topic': t.topic },
              h('td', {}, t.topic),
              h('td', { class: 'depth' }, t.exists ? t.depth : '— (no such topic yet)'),
              h('td', {}, t.depth > 0 ? h('button', { type: 'button', class: 'open-dlq', onclick: () => showRecords(records, t.topic) }, 'Records') : null),
            ),
          ),
        ),
      ),
      records,
    );
  }

  async function showRecords(box, topic) {
    const type = h('input', { name: 'type', placeholder: 'OrderPaid', maxlength: 200 });
    const reason = h('input', { name: 'reason', placeholder: 'part of the reason', maxlength: 200 });
    const since = h('input', { name: 'since', type: 'datetime-local' });
    const list = h('div', {});
    const flash = h('div', { id: 'dlq-flash' });
    const filter = () => {
      const f = {};
      if (type.value) f.type = type.value;
      if (reason.value) f.reason = reason.value;
      if (since.value) f.since = new Date(since.value).toISOString();
      return f;
    };
    const redrive = async (body, what) => {
      if (!window.confirm(`Send ${what} back to the topic it came from?`)) return;
      try {
        const report = await api('POST', `/api/dead-letters/${encodeURIComponent(topic)}/redrive`, body);
        const counts = Object.entries(report.perTopic)
          .map(([t, n]) => `${n} to ${t}`)
          .join(', ');
        flash.replaceChildren(
          h('p', { class: 'flash', role: 'status' }, report.records.length === 0 ? 'Nothing matched; nothing sent.' : `Redriven: ${counts}.`),
        );
      } catch (error) {
        flash.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
      }
    };
    const load = async () => {
      const query = new URLSearchParams({ ...filter(), limit: '100' });
      const listing = await api('GET', `/api/dead-letters/${encodeURIComponent(topic)}?${query}`);
      list.replaceChildren(
        ...present(
          h(
            'p',
            {},
            `${listing.records.length + listing.more} of ${listing.scanned} record(s) match${listing.more ? ` (first ${listing.records.length} shown)` : ''}.`,
          ),
          h(
            'table',
            { class: 'dlq-list' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['at', 'age', 'event', 'from', 'group', 'attempts', 'reason', ''].map((t) => h('th', {}, t)),
              ),
            ),
            h(
              'tbody',
              {},
              listing.records.map((r) =>
                h(
                  'tr',
                  { 'data-position': `${r.partition}:${r.offset}` },
                  h('td', {}, `${r.partition}:${r.offset}`),
                  h('td', {}, age(new Date(r.timestamp).toISOString())),
                  h('td', {}, r.event.id ? `${r.event.type} ${r.event.id}` : `undecodable (${r.event.undecodableBytes} bytes)`),
                  h('td', {}, `${r.original.topic} ${r.original.partition ?? '?'}:${r.original.offset ?? '?'}`),
                  h('td', {}, r.consumerGroup || '?'),
                  h('td', {}, r.attempts ?? '?'),
                  h('td', {}, r.reason.length > 300 ? `${r.reason.slice(0, 300)}…` : r.reason),
                  h(
                    'td',
                    {},
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'redrive-one',
                        onclick: () => redrive({ positions: [`${r.partition}:${r.offset}`] }, `record ${r.partition}:${r.offset}`),
                      },
                      'Redrive',
                    ),
                  ),
                ),
              ),
            ),
          ),
          listing.records.length > 0
            ? h(
                'button',
                { type: 'button', id: 'redrive-matching', onclick: () => redrive({ filter: filter() }, 'every matching record') },
                'Redrive all matching',
              )
            : null,
        ),
      );
    };
    box.replaceChildren(
      h('h3', {}, topic),
      h(
        'form',
        {
          class: 'inline',
          onsubmit: (e) => {
            e.preventDefault();
            load();
          },
        },
        h('label', {}, 'Event type', type),
        h('label', {}, 'Reason contains', reason),
        h('label', {}, 'Since', since),
        h('button', { type: 'submit' }, 'Filter'),
      ),
      flash,
      list,
    );
    await load();
  }

  // ---------- alerts ----------

  async function alertsPage() {
    const list = h('div', { id: 'alert-list' });
    page.append(
      h('h2', {}, 'Alerts'),
      h('p', { class: 'note' }, 'PoolLow, newest first: a pool fell below its threshold, or ran empty. Refreshes every 5 s.'),
      list,
    );
    const refresh = async () => {
      const [feed, pools] = await Promise.all([api('GET', '/api/alerts'), api('GET', '/api/pools').catch(() => state.pools)]);
      state.pools = pools;
      const byId = new Map(pools.map((p) => [p.id, p]));
      list.replaceChildren(
        ...present(
          feed.connected ? null : h('p', { class: 'note' }, `Connecting to the pool-low topic… ${feed.problem || ''}`),
          feed.alerts.length === 0
            ? h('p', { class: 'note' }, 'No PoolLow alerts.')
            : h(
                'table',
                { class: 'alerts' },
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    ['when', 'level', 'pool', 'mode', 'available / threshold', 'held', 'merchant'].map((t) => h('th', {}, t)),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  feed.alerts.map((a) => {
                    const pool = byId.get(a.poolId);
                    return h(
                      'tr',
                      { 'data-pool-id': a.poolId },
                      h('td', {}, `${age(a.time)} ago`),
                      h('td', {}, h('span', { class: `badge ${a.data.level === 'empty' ? 'empty' : 'low'}` }, a.data.level)),
                      h(
                        'td',
                        {},
                        a.data.poolName || (pool && pool.name) || a.poolId,
                        ` · ${a.data.productId || 'all products'}${a.data.currency ? ` · ${a.data.currency}` : ''}`,
                      ),
                      h('td', {}, a.data.mode || (pool && pool.mode) || '?'),
                      h('td', {}, `${a.data.available} / ${a.data.threshold}`),
                      h('td', {}, a.data.backordered ?? 0),
                      h('td', {}, a.merchantId),
                    );
                  }),
                ),
              ),
        ),
      );
    };
    await refresh();
    state.timer = setInterval(() => refresh().catch(() => undefined), 5000);
  }

  // ---------- start ----------

  api('GET', '/api/session').then(signedIn, () => showSignIn(''));
})();

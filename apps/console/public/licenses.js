// A license's story from pool-service's ledger (found by id, or by its value through a POST that
// pool-service answers by the value's keyed hash), and what a refund did to an order's lines.
// Values are masked in every answer; the value typed to look one up is cleared once sent.
// Loaded before console.js, which hands it its toolkit.
'use strict';

window.keypoolLicenses = function licensesOf({ h, api, age, isSupport, page }) {
  const enc = encodeURIComponent;

  async function licensesPage(params, focus) {
    const value = h('input', { id: 'license-value', name: 'value', type: 'password', autocomplete: 'off', maxlength: 2048, size: 40 });
    const merchant = h('input', { id: 'license-merchant', name: 'merchantId', maxlength: 200, placeholder: 'any merchant' });
    const licenseId = h('input', { id: 'license-id', name: 'licenseId', maxlength: 200, size: 40, placeholder: 'license id' });
    const result = h('div', { id: 'license-result' });
    const show = async (load) => {
      result.replaceChildren(h('p', { class: 'note' }, 'Loading…'));
      try {
        result.replaceChildren(ledgerView(await load()));
      } catch (error) {
        result.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
      }
    };
    const byId = (id) => show(() => api('GET', `/api/licenses/${enc(id)}/history`));
    page.append(
      h('h2', {}, 'Licenses'),
      h(
        'p',
        { class: 'note' },
        "A license's history: imported, given to an order, e-mailed, resent, revealed, withdrawn, revoked, returned. Look one up by its value (sent once, in the request body, and matched by its keyed hash) or by its id.",
      ),
      h(
        'form',
        {
          class: 'inline',
          id: 'license-lookup',
          onsubmit: (e) => {
            e.preventDefault();
            const body = { value: value.value };
            if (isSupport() && merchant.value.trim()) body.merchantId = merchant.value.trim();
            value.value = '';
            show(() => api('POST', '/api/licenses/lookup', body));
          },
        },
        h('label', {}, 'License value', value),
        isSupport() ? h('label', {}, 'merchant', merchant) : null,
        h('button', { type: 'submit' }, 'Look up'),
      ),
      h(
        'form',
        {
          class: 'inline',
          id: 'license-by-id',
          onsubmit: (e) => {
            e.preventDefault();
            if (licenseId.value.trim()) byId(licenseId.value.trim());
          },
        },
        h('label', {}, 'or its id', licenseId),
        h('button', { type: 'submit' }, 'Show history'),
      ),
      result,
    );
    const wanted = focus || params.get('id');
    if (wanted) {
      licenseId.value = wanted;
      await byId(wanted);
    }
  }

  function ledgerView({ license, history }) {
    const facts = [
      license.status,
      license.value ? `value ${license.value}` : null,
      license.poolId ? `pool ${license.poolId}` : null,
      isSupport() && license.merchantId ? `merchant ${license.merchantId}` : null,
      license.productId ? `product ${license.productId}` : null,
      license.test ? 'test' : null,
    ].filter(Boolean);
    return h(
      'div',
      { class: 'ledger', 'data-license-id': license.licenseId },
      h('h3', {}, `License ${license.licenseId}`),
      h('p', { class: 'license-facts' }, facts.join(' · ')),
      license.orderId ? h('p', {}, 'Sold to order ', orderLink(license.orderId), license.lineId ? ` line ${license.lineId}` : '') : null,
      h(
        'table',
        { class: 'license-history' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['when', 'what', 'details'].map((t) => h('th', {}, t)),
          ),
        ),
        h(
          'tbody',
          {},
          history.map((entry) =>
            h('tr', { 'data-kind': entry.kind }, h('td', {}, `${age(entry.at)} ago`), h('td', { class: 'kind' }, entry.kind), h('td', {}, details(entry))),
          ),
        ),
      ),
    );
  }

  /** Every other field of an entry as `name value`, orders linked: the page need not know each kind's fields. */
  function details(entry) {
    const parts = [];
    for (const [name, value] of Object.entries(entry)) {
      if (name === 'at' || name === 'kind' || value === null || value === undefined) continue;
      if (parts.length) parts.push(' · ');
      if (name === 'orderId') parts.push('order ', orderLink(value));
      else parts.push(`${name} ${typeof value === 'object' ? JSON.stringify(value) : value}`);
    }
    return parts;
  }

  function orderLink(orderId) {
    return h('a', { href: `/orders/${enc(orderId)}`, class: 'order-link' }, orderId);
  }

  // ---------- an order's refund ----------

  const OUTCOME_READS = 20;
  const OUTCOME = { revoked: 'revoked', available: 'returned to stock', allocated: 'kept by the customer', withdrawn: 'withdrawn' };

  /** The order's refund, when it has one: the state, and for each refunded line what happened to it. */
  function orderRefund(order) {
    if (!order.refundStatus) return null;
    const refunded = order.lines.filter((l) => l.refundedAt);
    return h(
      'div',
      { class: 'refund', id: 'order-refund' },
      h('h3', {}, order.refundStatus === 'refunded' ? 'Refunded' : 'Partially refunded'),
      h(
        'ul',
        {},
        refunded.map((line) => {
          const outcome = h('span', { class: 'refund-outcome' });
          lineOutcome(line, outcome);
          return h(
            'li',
            { 'data-line-id': line.lineId },
            `line ${line.lineId}: refunded ${age(line.refundedAt)} ago (${line.refundReason || 'no reason given'}) · `,
            outcome,
          );
        }),
      ),
    );
  }

  /** A held line was cancelled; a delivered one's licenses went by the pool's refund policy, read back from pool-service. */
  function lineOutcome(line, out) {
    if (line.status === 'cancelled') return out.append('cancelled, never served');
    if (line.licenses.length === 0) return out.append('no licenses');
    out.append('…');
    // One look-up per license: a line of many licenses is told by its first OUTCOME_READS.
    const read = line.licenses.slice(0, OUTCOME_READS);
    Promise.all(read.map((l) => api('GET', `/api/licenses/${enc(l.licenseId)}`))).then(
      (licenses) => {
        const counts = new Map();
        for (const l of licenses) counts.set(OUTCOME[l.status] || l.status, (counts.get(OUTCOME[l.status] || l.status) || 0) + 1);
        const told = [...counts].map(([what, n]) => `${n} license${n === 1 ? '' : 's'} ${what}`).join(', ');
        out.replaceChildren(line.licenses.length > read.length ? `of the first ${read.length} of ${line.licenses.length}: ${told}` : told);
      },
      (error) => out.replaceChildren(h('span', { class: 'error' }, `licenses unknown: ${error.message}`)),
    );
  }

  return { licensesPage, orderRefund };
};

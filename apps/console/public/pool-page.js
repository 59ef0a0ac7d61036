// One pool's after-sale page: its key format (shown, saved, tried on a file), its uploads with
// their reports and the recall, and withdrawing licenses by value. License values go to the
// console in POST bodies only and are never put back on the page: answers name lines, license
// ids and orders. Loaded before console.js, which hands it its toolkit.
'use strict';

window.keypoolPoolPage = function poolPageOf({ h, api, age, isSupport, page }) {
  const enc = encodeURIComponent;

  async function poolPage(params) {
    const poolId = params.get('id');
    if (!poolId) throw new Error('No pool named: open one from Pools.');
    const pool = await api('GET', `/api/pools/${enc(poolId)}`);
    const scope = pool.productId ? `${pool.productId}${pool.currency ? ` · ${pool.currency}` : ''}` : 'all products (common pool)';
    const stock = h('p', { class: 'note', id: 'pool-stock' });
    const showStock = (p) =>
      (stock.textContent = `${isSupport() ? `${p.merchantId} · ` : ''}${scope} · ${p.available} available · ${p.allocated} allocated · ${p.withdrawn} withdrawn · refund policy ${p.refundPolicy}`);
    showStock(pool);
    // After a recall or a withdrawal, the stock line shows what is left.
    const restock = () => api('GET', `/api/pools/${enc(poolId)}`).then(showStock, () => undefined);
    page.append(
      h('h2', {}, `Pool ${pool.name}`, ' ', h('span', { class: 'badge mode' }, pool.mode)),
      stock,
      keyFormatSection(pool),
      uploadsSection(pool, restock),
      withdrawSection(pool, restock),
    );
  }

  // ---------- key format ----------

  function keyFormatSection(pool) {
    const current = h('p', { id: 'key-format-current' });
    const show = (pattern) =>
      current.replaceChildren(
        pattern
          ? h('span', {}, 'Every imported license must match ', h('code', {}, pattern), ' whole.')
          : 'No key format: any line that is a license is accepted.',
      );
    show(pool.keyPattern);
    const input = h('input', {
      id: 'key-pattern',
      name: 'keyPattern',
      maxlength: 200,
      size: 40,
      placeholder: '[A-Z0-9]{5}(-[A-Z0-9]{5}){4}',
      value: pool.keyPattern || '',
    });
    const flash = h('div', { id: 'key-format-flash' });
    const save = async (keyPattern) => {
      try {
        const saved = await api('POST', `/api/pools/${enc(pool.id)}/key-format`, { keyPattern });
        show(saved.keyPattern);
        input.value = saved.keyPattern || '';
        flash.replaceChildren(h('p', { class: 'flash', role: 'status' }, saved.keyPattern ? 'Key format saved.' : 'Key format removed.'));
      } catch (error) {
        flash.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
      }
    };
    return h(
      'section',
      { class: 'key-format' },
      h('h3', {}, 'Key format'),
      current,
      h(
        'form',
        {
          class: 'inline',
          id: 'key-format-form',
          onsubmit: (e) => {
            e.preventDefault();
            save(input.value.trim() || null);
          },
        },
        h('label', {}, 'Pattern (RE2, matched whole)', input),
        h('button', { type: 'submit' }, 'Save format'),
        h('button', { type: 'button', id: 'remove-key-format', onclick: () => save(null) }, 'Remove format'),
      ),
      flash,
      keyFormatTrial(pool),
    );
  }

  /** The dry run: the file is read in the browser and its lines sent once, to be counted; nothing is imported. */
  function keyFormatTrial(pool) {
    const pattern = h('input', { id: 'try-pattern', name: 'pattern', maxlength: 200, size: 40, placeholder: 'the saved format' });
    const file = h('input', { id: 'try-file', name: 'file', type: 'file', accept: '.txt,.csv,text/plain', required: true });
    const out = h('div', { id: 'key-format-trial' });
    return h(
      'form',
      {
        class: 'inline',
        id: 'key-format-try',
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            const chosen = file.files[0];
            if (!chosen) throw new Error('Choose a file to try.');
            const all = (await chosen.text()).replace(/\r?\n$/, '').split(/\r?\n/);
            const lines = trialSample(all);
            const body = pattern.value.trim() ? { pattern: pattern.value.trim(), lines } : { lines };
            const trial = await api('POST', `/api/pools/${enc(pool.id)}/key-format/try`, body);
            const listed = trial.notMatching.lines.join(', ');
            out.replaceChildren(
              h(
                'p',
                { class: 'flash', role: 'status' },
                h('code', {}, trial.pattern),
                `: ${trial.matching} match, ${trial.notMatching.count} do not`,
                trial.notMatching.count
                  ? ` (line${trial.notMatching.count === 1 ? '' : 's'} ${listed}${trial.notMatching.count > trial.notMatching.lines.length ? ', …' : ''})`
                  : '',
                `, ${trial.blank} blank, ${trial.rejected} not a license. Nothing was imported.`,
                lines.length < all.length ? ` Only the first ${lines.length} of ${all.length} lines were tried: the console sends at most 1 MiB.` : '',
              ),
            );
          } catch (error) {
            out.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
          }
        },
      },
      h('label', {}, 'Try a pattern', pattern),
      h('label', {}, 'on a file', file),
      h('button', { type: 'submit' }, 'Try'),
      out,
    );
  }

  /** The first lines of a file that fit the console's 1 MiB body (and its 100,000 lines): a try is a sample. */
  function trialSample(all) {
    const maxBytes = 1024 * 1024 - 1024;
    const encoder = new TextEncoder();
    let lines = all.slice(0, 100000);
    while (lines.length > 1 && encoder.encode(JSON.stringify({ pattern: 'x'.repeat(200), lines })).length > maxBytes) {
      lines = lines.slice(0, Math.floor(lines.length * 0.9));
    }
    return lines;
  }

  // ---------- uploads ----------

  function uploadsSection(pool, restock) {
    const rows = h('tbody', {});
    const more = h('div', {});
    const report = h('div', { id: 'upload-report' });
    const recallOut = h('div', { id: 'recall-result' });
    const load = async (after) => {
      const query = new URLSearchParams({ limit: '20' });
      if (after) query.set('after', after);
      const listing = await api('GET', `/api/pools/${enc(pool.id)}/uploads?${query}`);
      if (!after) rows.replaceChildren();
      rows.append(...listing.items.map((upload) => uploadRow(upload, report, recallOut, restock)));
      if (!after && listing.items.length === 0) rows.append(h('tr', {}, h('td', { colspan: 8, class: 'note' }, 'No uploads yet.')));
      more.replaceChildren();
      if (listing.nextCursor) {
        const older = () => load(listing.nextCursor).catch((error) => more.replaceChildren(h('span', { class: 'error' }, error.message)));
        more.append(h('button', { type: 'button', id: 'older-uploads', onclick: older }, 'Older uploads'));
      }
    };
    const section = h(
      'section',
      { class: 'uploads' },
      h('h3', {}, 'Uploads'),
      h('p', { class: 'note' }, 'Each import, newest first. Recall withdraws every unsold license of an upload; sold ones stay with their orders.'),
      h(
        'table',
        { class: 'uploads' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['when', 'label', 'added', 'duplicates', 'rejected', 'blank', 'recalled', ''].map((t) => h('th', {}, t)),
          ),
        ),
        rows,
      ),
      more,
      recallOut,
      report,
    );
    load().catch((error) => section.append(h('p', { class: 'error', role: 'alert' }, error.message)));
    return section;
  }

  function uploadRow(upload, reportBox, recallOut, restock) {
    const r = upload.report;
    const recalled = h('td', { class: 'recalled' }, upload.recalledAt ? `${age(upload.recalledAt)} ago` : '—');
    const recall = async () => {
      const name = upload.label ? `"${upload.label}"` : `upload ${upload.uploadId}`;
      if (!window.confirm(`Recall ${name}? Every unsold license of it is withdrawn and never sold; sold ones stay with their orders.`)) return;
      try {
        const outcome = await api('POST', `/api/uploads/${enc(upload.uploadId)}/recall`);
        recalled.textContent = 'just now';
        recallOut.replaceChildren(recallResult(name, outcome));
        restock();
      } catch (error) {
        recallOut.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
      }
    };
    const showReport = async () => {
      try {
        reportBox.replaceChildren(uploadReport(await api('GET', `/api/uploads/${enc(upload.uploadId)}`)));
      } catch (error) {
        reportBox.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
      }
    };
    return h(
      'tr',
      { 'data-upload-id': upload.uploadId },
      h('td', {}, `${age(upload.createdAt)} ago`),
      h('td', { class: 'label' }, upload.label || '—'),
      h('td', { class: 'added' }, r.added),
      h('td', {}, r.duplicates.count),
      h('td', { class: 'rejected' }, r.rejected.count),
      h('td', {}, r.blank),
      recalled,
      h(
        'td',
        {},
        h('button', { type: 'button', class: 'show-report', onclick: showReport }, 'Report'),
        ' ',
        h('button', { type: 'button', class: 'recall', onclick: recall }, 'Recall'),
      ),
    );
  }

  function uploadReport(upload) {
    const r = upload.report;
    const more = (list, count) => (count > list.length ? ` (first ${list.length} of ${count} listed)` : '');
    return h(
      'div',
      { class: 'report', 'data-upload-id': upload.uploadId },
      h('h4', {}, `Report of ${upload.label ? `"${upload.label}"` : 'an unlabelled upload'}`),
      h(
        'p',
        { class: 'note' },
        `upload ${upload.uploadId} · ${age(upload.createdAt)} ago · ${r.added} added, ${r.duplicates.count} duplicate, ${r.rejected.count} rejected, ${r.blank} blank${upload.recalledAt ? ` · recalled ${age(upload.recalledAt)} ago` : ''}`,
      ),
      r.rejected.count === 0
        ? h('p', {}, 'No line was rejected.')
        : h(
            'table',
            { class: 'rejected-lines' },
            h('caption', {}, `Rejected lines${more(r.rejected.lines, r.rejected.count)}`),
            h('thead', {}, h('tr', {}, h('th', {}, 'line'), h('th', {}, 'reason'))),
            h(
              'tbody',
              {},
              r.rejected.lines.map((l) => h('tr', {}, h('td', {}, l.line), h('td', {}, l.reason))),
            ),
          ),
      r.duplicates.count === 0
        ? null
        : h('p', { class: 'duplicate-lines' }, `Duplicate lines: ${r.duplicates.lines.join(', ')}${more(r.duplicates.lines, r.duplicates.count)}`),
    );
  }

  function recallResult(name, outcome) {
    return h(
      'div',
      { class: 'flash', role: 'status' },
      h(
        'p',
        {},
        `Recalled ${name}: ${outcome.withdrawn} withdrawn`,
        outcome.alreadyWithdrawn ? `, ${outcome.alreadyWithdrawn} withdrawn before` : '',
        `, ${outcome.sold.count} already sold.`,
      ),
      soldList(outcome.sold),
    );
  }

  /** Sold licenses stay with their order line: each named with a link to its order. */
  function soldList(sold) {
    if (sold.count === 0) return null;
    return h(
      'ul',
      { class: 'sold' },
      sold.licenses.map((l) =>
        h(
          'li',
          { 'data-license-id': l.licenseId },
          h('a', { href: `/licenses/${enc(l.licenseId)}` }, l.licenseId),
          ' → order ',
          h('a', { href: `/orders/${enc(l.orderId)}`, class: 'order-link' }, l.orderId),
          ` line ${l.lineId}`,
        ),
      ),
      sold.count > sold.licenses.length ? h('li', {}, `…and ${sold.count - sold.licenses.length} more`) : null,
    );
  }

  // ---------- withdraw by value ----------

  function withdrawSection(pool, restock) {
    const values = h('textarea', { id: 'withdraw-values', name: 'values', rows: 6, cols: 60, autocomplete: 'off', spellcheck: 'false', required: true });
    const out = h('div', { id: 'withdraw-result' });
    return h(
      'section',
      { class: 'withdraw' },
      h('h3', {}, 'Withdraw licenses by value'),
      h(
        'p',
        { class: 'note' },
        'One value a line, at most 1,000. They are sent once to pool-service, which finds them by their keyed hash; nothing keeps or shows them. Sold licenses stay with their orders.',
      ),
      h(
        'form',
        {
          id: 'withdraw-form',
          onsubmit: async (e) => {
            e.preventDefault();
            // The textarea's line of each value, to name the ones not found.
            const entered = values.value
              .split(/\r?\n/)
              .map((v, i) => ({ value: v.trim(), line: i + 1 }))
              .filter((v) => v.value !== '');
            const list = entered.map((v) => v.value);
            if (list.length === 0) return out.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'Enter the values to withdraw, one a line.'));
            if (!window.confirm(`Withdraw the licenses with these ${list.length} value(s) from ${pool.name}?`)) return;
            try {
              const outcome = await api('POST', `/api/pools/${enc(pool.id)}/licenses/withdraw`, { values: list });
              values.value = '';
              restock();
              out.replaceChildren(
                h(
                  'div',
                  { class: 'flash', role: 'status' },
                  h(
                    'p',
                    {},
                    `${outcome.withdrawn} withdrawn, ${outcome.alreadyWithdrawn} withdrawn before, ${outcome.sold.count} already sold`,
                    outcome.notFound.count
                      ? `, ${outcome.notFound.count} not found in this pool (line${outcome.notFound.count === 1 ? '' : 's'} ${outcome.notFound.indexes.map((i) => entered[i].line).join(', ')})`
                      : '',
                    '.',
                  ),
                  soldList(outcome.sold),
                ),
              );
            } catch (error) {
              out.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
            }
          },
        },
        values,
        h('div', {}, h('button', { type: 'submit' }, 'Withdraw')),
      ),
      out,
    );
  }

  return { poolPage };
};

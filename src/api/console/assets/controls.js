// The server's own controls: fault rules, snapshots, the clock, and the
// reset of the whole server.

import { admin } from './api.js';
import { attempt, byId, confirmDialog, emptyRow, fill, flash, h, row } from './dom.js';

export function initControls(context) {
  const faults = byId('faults-table').tBodies[0];
  const snapshots = byId('snapshots-table').tBodies[0];

  async function loadFaults() {
    const { data } = await admin('GET', '/faults');
    fill(faults, ...(data.length ? data.map((fault) => row([
      h('code', {}, String(fault.id)),
      fault.method ?? 'any',
      h('code', {}, fault.path),
      fault.status ?? '—',
      `${fault.delayMs} ms`,
      String(fault.probability),
      fault.times ?? '∞',
      h('button', {
        type: 'button', class: 'small', 'aria-label': `Remove fault ${fault.id}`,
        onclick: () => attempt(async () => { await admin('DELETE', `/faults/${fault.id}`); await loadFaults(); }),
      }, 'Remove'),
    ], { dataset: { faultId: String(fault.id) } })) : [emptyRow(8, 'No fault rules.')]));
  }

  async function loadSnapshots() {
    const { data } = await admin('GET', '/snapshots');
    fill(snapshots, ...(data.length ? data.map((snapshot) => row([
      h('code', {}, snapshot.name),
      h('time', { datetime: snapshot.createdAt, title: snapshot.createdAt },
        snapshot.createdAt.slice(0, 19).replace('T', ' ')),
      `${Math.max(1, Math.round(snapshot.bytes / 1024))} KiB`,
      h('div', { class: 'row-actions' },
        h('button', {
          type: 'button', class: 'small', 'aria-label': `Restore ${snapshot.name}`,
          onclick: () => attempt(() => restore(snapshot.name)),
        }, 'Restore'),
        h('button', {
          type: 'button', class: 'small danger', 'aria-label': `Delete ${snapshot.name}`,
          onclick: () => attempt(async () => {
            await admin('DELETE', `/snapshots/${encodeURIComponent(snapshot.name)}`);
            await loadSnapshots();
          }),
        }, 'Delete')),
    ], { dataset: { snapshot: snapshot.name } })) : [emptyRow(4, 'No snapshots.')]));
  }

  async function restore(name) {
    const done = await confirmDialog(`Restore ${name}?`, 'The whole state is replaced with the snapshot\'s.',
      'Restore snapshot', () => admin('POST', `/snapshots/${encodeURIComponent(name)}/restore`));
    if (done) {
      await context.refreshOrganizations();
      flash(`Snapshot ${name} restored.`, 'ok');
    }
  }

  async function loadClock() {
    const { data } = await admin('GET', '/clock');
    byId('clock-today').textContent = data.today;
    byId('clock-kind').textContent = data.fixed ? '(fixed)' : '(the real date)';
    byId('clock-clear').disabled = !data.fixed;
  }

  function number(id) {
    const text = byId(id).value.trim();
    return text === '' ? undefined : Number(text);
  }

  byId('fault-form').addEventListener('submit', (event) => {
    event.preventDefault();
    attempt(async () => {
      const rule = { path: byId('fault-path').value.trim() };
      const method = byId('fault-method').value;
      if (method) rule.method = method;
      const fields = { status: 'fault-status', delayMs: 'fault-delay', probability: 'fault-probability', times: 'fault-times' };
      for (const [key, id] of Object.entries(fields)) {
        const value = number(id);
        if (value !== undefined) rule[key] = value;
      }
      await admin('POST', '/faults', rule);
      event.target.reset();
      await loadFaults();
    });
  });
  byId('snapshot-form').addEventListener('submit', (event) => {
    event.preventDefault();
    attempt(async () => {
      const name = byId('snapshot-name').value.trim();
      await admin('PUT', `/snapshots/${encodeURIComponent(name)}`);
      event.target.reset();
      await loadSnapshots();
      flash(`Snapshot ${name} saved.`, 'ok');
    });
  });
  byId('clock-form').addEventListener('submit', (event) => {
    event.preventDefault();
    attempt(async () => {
      await admin('PUT', '/clock', { today: byId('clock-date').value });
      await loadClock();
    });
  });
  byId('clock-clear').addEventListener('click', () => attempt(async () => {
    await admin('DELETE', '/clock');
    await loadClock();
  }));
  byId('server-reset').addEventListener('click', () => attempt(async () => {
    const done = await confirmDialog('Reset the whole server?',
      'Every organization but the server\'s own is removed and that one is reset; faults, the fixed date and the journal are cleared. Snapshots are kept.',
      'Reset the server', () => admin('POST', '/reset'));
    if (done) {
      await context.refreshOrganizations();
      await Promise.all([loadFaults(), loadSnapshots(), loadClock()]);
      flash('The server was reset.', 'ok');
    }
  }));

  return {
    show() { attempt(() => Promise.all([loadFaults(), loadSnapshots(), loadClock()])); },
  };
}

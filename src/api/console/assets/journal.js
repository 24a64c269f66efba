// The request journal, newest first. It updates by itself: while this
// section is shown, the tab is visible and "Live" is on, it asks
// GET /__admin/requests again every second and redraws only when the answer
// changed.

import { admin, query } from './api.js';
import { attempt, byId, emptyRow, fill, errorView, h } from './dom.js';

const POLL_MS = 1000;
const LIMIT = 200;

export function initJournal() {
  let visible = false;
  let timer = null;
  let lastText = null;
  let selected = null;
  let entries = [];
  const table = byId('journal-table').tBodies[0];
  const live = byId('journal-live');
  const note = byId('journal-note');
  const details = byId('journal-details');

  function filters() {
    return {
      method: byId('journal-method').value,
      status: byId('journal-status').value.trim(),
      path: byId('journal-path').value.trim(),
      limit: LIMIT,
    };
  }

  async function poll() {
    clearTimeout(timer);
    timer = null;
    try {
      const { data } = await admin('GET', `/requests${query(filters())}`);
      const text = JSON.stringify(data);
      note.replaceChildren(data.length === LIMIT ? `The newest ${LIMIT} matching requests.` : '');
      if (text !== lastText) {
        lastText = text;
        entries = data;
        render();
      }
    } catch (error) {
      lastText = null;
      note.replaceChildren(errorView(error));
    }
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    timer = null;
    const running = visible && live.checked && document.visibilityState === 'visible';
    byId('journal-live-state').textContent = running ? 'Updating live' : 'Paused';
    if (running) timer = setTimeout(poll, POLL_MS);
  }

  function render() {
    fill(table, ...(entries.length ? entries.map(entryRow) : [emptyRow(7, 'No requests yet.')]));
  }

  function entryRow(entry) {
    // The time of day (UTC) in the table; the whole timestamp in the details.
    const time = entry.time.slice(11, 19);
    const classes = ['status', entry.status >= 500 ? 's5' : entry.status >= 400 ? 's4' : 's2'].join(' ');
    return h('tr', { dataset: { requestId: entry.requestId }, class: entry.requestId === selected ? 'selected' : null },
      h('td', {}, h('button', {
        title: entry.time,
        type: 'button', class: 'link', 'aria-label': `Details of request ${entry.requestId}`,
        onclick: () => open(entry),
      }, time)),
      h('td', {}, h('span', { class: 'method' }, entry.method)),
      h('td', { class: 'path' }, entry.path, entry.query ? h('span', { class: 'muted' }, `?${entry.query}`) : null),
      h('td', {}, h('span', { class: classes }, String(entry.status))),
      h('td', { class: 'num' }, entry.durationMs.toFixed(1)),
      h('td', {}, entry.organizationId ?? ''),
      h('td', {}, entry.userId ?? ''));
  }

  function open(entry) {
    selected = entry.requestId;
    const list = byId('journal-details-list');
    list.replaceChildren(...Object.entries(entry).flatMap(([key, value]) => [
      h('dt', {}, key),
      h('dd', {}, typeof value === 'object' && value !== null
        ? h('pre', {}, JSON.stringify(value, null, 2))
        : String(value ?? '')),
    ]));
    details.hidden = false;
    render();
    byId('journal-details-close').focus();
  }

  byId('journal-details-close').addEventListener('click', () => {
    details.hidden = true;
    selected = null;
    render();
  });
  byId('journal-filters').addEventListener('submit', (event) => { event.preventDefault(); poll(); });
  for (const id of ['journal-method', 'journal-status', 'journal-path']) {
    byId(id).addEventListener(id === 'journal-method' ? 'change' : 'input', () => { lastText = null; poll(); });
  }
  live.addEventListener('change', () => (live.checked ? poll() : schedule()));
  document.addEventListener('visibilitychange', () => { if (visible) poll(); });
  byId('journal-clear').addEventListener('click', () => attempt(async () => {
    await admin('DELETE', '/requests');
    details.hidden = true;
    await poll();
  }));

  return {
    show() { visible = true; poll(); },
    hide() { visible = false; schedule(); },
  };
}

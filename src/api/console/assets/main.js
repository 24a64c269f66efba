// The console's start: the organization picker, the sections (one per
// `#hash`), and the shared context every section gets.

import { admin, onAdminTokenNeeded } from './api.js';
import { byId, flash, formDialog, h } from './dom.js';
import { initUsers } from './users.js';
import { initAccounts } from './accounts.js';
import { initOrganizations } from './organizations.js';
import { initJournal } from './journal.js';
import { initControls } from './controls.js';

const ORG_KEY = 'localelements.organization';

const listeners = [];
const context = {
  organizations: [],
  organization: null,
  /** Calls `fn(organization)` whenever another organization is picked. */
  onOrganization(fn) { listeners.push(fn); },
  /** Reads the organization list again; keeps the pick when it still exists. */
  async refreshOrganizations(pickId) {
    const { data } = await admin('GET', '/organizations');
    context.organizations = data;
    const wanted = pickId ?? context.organization?.organizationId ?? Number(localStorage.getItem(ORG_KEY));
    const usable = data.filter((organization) => organization.authorization);
    const next = usable.find((organization) => organization.organizationId === wanted) || usable[0] || null;
    renderPicker(next);
    const changed = next?.organizationId !== context.organization?.organizationId
      || next?.authorization !== context.organization?.authorization;
    context.organization = next;
    if (next) localStorage.setItem(ORG_KEY, String(next.organizationId));
    if (changed) listeners.forEach((fn) => fn(next));
    return data;
  },
  pick(organizationId) {
    return context.refreshOrganizations(organizationId);
  },
  /** Shows a section (`users`, `accounts`, ...). */
  go(view) {
    if (window.location.hash === `#${view}`) route();
    else window.location.hash = view;
  },
};

function renderPicker(selected) {
  const picker = byId('org-picker');
  picker.replaceChildren(...context.organizations.map((organization) => h('option', {
    value: organization.organizationId,
    disabled: !organization.authorization,
    selected: organization.organizationId === selected?.organizationId,
  }, `${organization.name} (#${organization.organizationId})${organization.authorization ? '' : ' — no org-admin'}`)));
  picker.value = selected ? String(selected.organizationId) : '';
}

const views = {};

function route() {
  const name = window.location.hash.slice(1);
  const current = views[name] ? name : 'users';
  for (const [viewName, view] of Object.entries(views)) {
    const active = viewName === current;
    byId(`view-${viewName}`).hidden = !active;
    if (active) view.show(); else view.hide?.();
  }
  for (const link of document.querySelectorAll('.tabs a')) {
    if (link.dataset.view === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

onAdminTokenNeeded((message) => formDialog({
  title: 'Admin token',
  intro: `${message}. The console keeps it for this tab only.`,
  fields: [{ name: 'token', label: 'Admin token', type: 'password', required: true, autocomplete: 'current-password' }],
  submitLabel: 'Continue',
  submit: (values) => values.token,
}));

async function start() {
  views.users = initUsers(context);
  views.accounts = initAccounts(context);
  views.requests = initJournal(context);
  views.organizations = initOrganizations(context);
  views.controls = initControls(context);
  context.showUsersOf = (accountId) => {
    views.users.showAccount(accountId);
    context.go('users');
  };
  byId('org-picker').addEventListener('change', (event) => {
    context.pick(Number(event.target.value)).catch(flash);
  });
  window.addEventListener('hashchange', route);
  try {
    await context.refreshOrganizations();
  } catch (error) {
    flash(error);
  }
  route();
  document.body.dataset.ready = 'true';
}

start();

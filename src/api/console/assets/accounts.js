// Accounts of the picked organization: list, create, edit, delete, and a
// way to their users.

import { api, query } from './api.js';
import { attempt, badge, byId, confirmDialog, day, emptyRow, fill, flash, formDialog, h, row } from './dom.js';

export function initAccounts(context) {
  let visible = false;
  const table = byId('accounts-table').tBodies[0];
  const auth = () => context.organization?.authorization;

  async function load() {
    if (!context.organization) {
      fill(table, emptyRow(8, 'Pick an organization with an org-admin.'));
      return;
    }
    const { data } = await api('GET', `/accounts${query({ pageSize: 1000, includeInactive: 'true' })}`, auth());
    fill(table, ...(data.length ? data.map(accountRow) : [emptyRow(8, 'No accounts.')]));
  }

  function accountRow(account) {
    return row([
      h('code', {}, String(account.id)),
      account.name,
      account.externalId ?? '',
      account.description ?? '',
      account.type,
      badge(account.active),
      day(account.createdDate),
      h('div', { class: 'row-actions' },
        h('button', { type: 'button', class: 'small', onclick: () => context.showUsersOf(account.id) }, 'Users'),
        h('button', { type: 'button', class: 'small', onclick: () => attempt(() => edit(account)) }, 'Edit'),
        account.defaultAccount ? null : h('button', {
          type: 'button', class: 'small danger',
          onclick: () => attempt(() => remove(account)),
        }, 'Delete')),
    ], { dataset: { accountId: String(account.id) } });
  }

  const fields = (account = {}) => [
    { name: 'externalId', label: 'External id', required: !account.id, value: account.externalId },
    { name: 'name', label: 'Name', value: account.name, hint: account.id ? null : 'Defaults to the external id' },
    { name: 'description', label: 'Description', value: account.description },
  ];

  function bodyOf(values) {
    const body = {};
    for (const [key, value] of Object.entries(values)) if (value !== '') body[key] = value;
    return body;
  }

  async function create() {
    const created = await formDialog({
      title: 'New account',
      fields: fields(),
      submitLabel: 'Create account',
      submit: async (values) => (await api('POST', '/accounts', auth(), { body: bodyOf(values) })).data,
    });
    if (created) {
      flash(`Account ${created.id} created.`, 'ok');
      await load();
    }
  }

  async function edit(account) {
    const saved = await formDialog({
      title: `Edit ${account.name}`,
      fields: fields(account),
      submit: async (values) => (await api('PATCH', `/accounts/${account.id}`, auth(), { body: bodyOf(values) })).data,
    });
    if (saved) await load();
  }

  async function remove(account) {
    const done = await confirmDialog('Delete this account?',
      `${account.name} (#${account.id}) and every user in it are removed for good.`, 'Delete account',
      () => api('DELETE', `/accounts/${account.id}`, auth()));
    if (done) {
      flash(`Account ${account.id} deleted.`, 'ok');
      await load();
    }
  }

  byId('account-new').addEventListener('click', () => attempt(create));
  context.onOrganization(() => { if (visible) attempt(load); });
  return {
    show() { visible = true; attempt(load); },
    hide() { visible = false; },
  };
}

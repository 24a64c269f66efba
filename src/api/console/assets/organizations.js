// Every organization on the server (GET /__admin/organizations): create,
// reset, delete, and pick the one the other sections work in.

import { admin } from './api.js';
import { attempt, byId, confirmDialog, emptyRow, fill, flash, formDialog, h, row } from './dom.js';

export function initOrganizations(context) {
  let visible = false;
  const table = byId('organizations-table').tBodies[0];

  function render() {
    const organizations = context.organizations;
    fill(table, ...(organizations.length ? organizations.map(organizationRow) : [emptyRow(7, 'No organizations.')]));
  }

  async function load() {
    await context.refreshOrganizations();
    render();
  }

  function organizationRow(organization) {
    const id = organization.organizationId;
    const picked = context.organization?.organizationId === id;
    return row([
      h('code', {}, String(id)),
      h('span', {}, organization.name, picked ? h('span', { class: 'badge on picked' }, 'in use') : null),
      organization.kind,
      organization.adminEmail ?? h('span', { class: 'muted' }, 'none'),
      h('code', {}, String(organization.defaultAccountId)),
      organization.authorization
        ? h('details', { class: 'reveal' }, h('summary', {}, 'Show'), h('code', {}, organization.authorization))
        : h('span', { class: 'muted' }, 'none'),
      h('div', { class: 'row-actions' },
        h('button', {
          type: 'button', class: 'small', disabled: picked || !organization.authorization,
          onclick: () => attempt(async () => { await context.pick(id); render(); }),
        }, 'Use'),
        h('button', { type: 'button', class: 'small', onclick: () => attempt(() => reset(organization)) }, 'Reset'),
        organization.kind === 'server' ? null : h('button', {
          type: 'button', class: 'small danger', onclick: () => attempt(() => remove(organization)),
        }, 'Delete')),
    ], { dataset: { organizationId: String(id) } });
  }

  async function create() {
    const created = await formDialog({
      title: 'New organization',
      intro: 'With its default account and an org-admin; everything left empty is generated.',
      fields: [
        { name: 'name', label: 'Name', placeholder: 'tenant' },
        { name: 'adminEmail', label: 'Org-admin email', placeholder: 'admin@localelements.test' },
        { name: 'adminPassword', label: 'Org-admin password', type: 'password', autocomplete: 'new-password' },
      ],
      submitLabel: 'Create organization',
      submit: async (values) => {
        const body = {};
        for (const [key, value] of Object.entries(values)) if (value !== '') body[key] = value;
        return (await admin('POST', '/organizations', body)).data;
      },
    });
    if (created) {
      await context.pick(created.organizationId);
      render();
      flash(`Organization ${created.organizationId} created and picked.`, 'ok');
    }
  }

  async function reset(organization) {
    const done = await confirmDialog('Reset this organization?',
      `${organization.name} (#${organization.organizationId}) goes back to its default account and first org-admin; everything else in it is removed.`,
      'Reset organization', () => admin('POST', `/organizations/${organization.organizationId}/reset`));
    if (done) {
      await load();
      flash(`Organization ${organization.organizationId} reset.`, 'ok');
    }
  }

  async function remove(organization) {
    const done = await confirmDialog('Delete this organization?',
      `${organization.name} (#${organization.organizationId}) and everything in it are removed for good.`,
      'Delete organization', () => admin('DELETE', `/organizations/${organization.organizationId}`));
    if (done) {
      await load();
      flash(`Organization ${organization.organizationId} deleted.`, 'ok');
    }
  }

  byId('org-new').addEventListener('click', () => attempt(create));
  context.onOrganization(() => { if (visible) render(); });
  return {
    show() { visible = true; attempt(load); },
    hide() { visible = false; },
  };
}

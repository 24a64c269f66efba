// Users of one account, or of the whole organization: the table, paging
// with the server's next-page tokens, the `where` box checked live through
// /__admin/explain, and a dialog per user (edit, roles, activation, secret,
// delete).

import { admin, api, query } from './api.js';
import {
  attempt, badge, byId, confirmDialog, day, debounce, emptyRow, fill, errorView, flash, formDialog, h, row,
} from './dom.js';

const PAGE_SIZE = 20;
const ROLE_KEYS = ['org-admin', 'admin', 'org', 'sys-admin'];

/** The position a CEQL message names (`... at 9 ...`), outside quoted text. */
function errorPosition(message) {
  const unquoted = message.replace(/'(?:[^']|'')*'/g, (quoted) => ' '.repeat(quoted.length));
  const match = / at (\d+)/.exec(unquoted);
  return match ? Number(match[1]) : null;
}

export function initUsers(context) {
  const state = {
    visible: false,
    accountId: '',
    where: '',
    tokens: [null],
    page: 0,
    nextToken: null,
    loadSeq: 0,
    checkSeq: 0,
  };
  const table = byId('users-table').tBodies[0];
  const whereInput = byId('where-input');
  const whereError = byId('where-error');
  const accountSelect = byId('users-account');
  const inactive = byId('users-inactive');
  const auth = () => context.organization?.authorization;

  function usersPath() {
    return state.accountId ? `/accounts/${state.accountId}/users` : '/users';
  }

  async function loadAccounts() {
    const organization = context.organization;
    if (!organization) return;
    const { data } = await api('GET', `/accounts${query({ pageSize: 1000, includeInactive: true })}`, organization.authorization);
    const keep = data.some((account) => String(account.id) === state.accountId) ? state.accountId : '';
    accountSelect.replaceChildren(
      h('option', { value: '' }, 'Whole organization'),
      ...data.map((account) => h('option', { value: account.id }, `${account.name} (#${account.id})`)));
    accountSelect.value = keep;
    state.accountId = keep;
  }

  async function load() {
    const seq = ++state.loadSeq;
    const organization = context.organization;
    if (!organization) {
      fill(table, emptyRow(7, 'Pick an organization with an org-admin.'));
      return;
    }
    const params = {
      where: state.where,
      pageSize: PAGE_SIZE,
      includeInactive: inactive.checked ? 'true' : '',
      nextPage: state.tokens[state.page],
    };
    let users = [];
    let total = 0;
    let note = '';
    try {
      const reply = await api('GET', usersPath() + query(params), organization.authorization);
      users = reply.data;
      total = Number(reply.headers.get('Elements-Total-Count') ?? users.length);
      state.nextToken = reply.headers.get('Elements-Next-Page-Token');
    } catch (error) {
      if (seq !== state.loadSeq) return;
      state.nextToken = null;
      // An account without users answers 404 `No users found`: an empty table.
      if (error.status !== 404) {
        fill(table, h('tr', { class: 'empty' }, h('td', { colspan: 7 }, errorView(error))));
        byId('users-total').textContent = '0';
        updatePager();
        return;
      }
      note = error.message;
    }
    if (seq !== state.loadSeq) return;
    byId('users-total').textContent = String(total);
    byId('users-total-label').textContent = total === 1 ? 'user' : 'users';
    byId('users-note').textContent = note;
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    byId('users-page').textContent = total > PAGE_SIZE ? `· page ${state.page + 1} of ${pages}` : '';
    fill(table, ...(users.length ? users.map(userRow) : [emptyRow(7, 'No users match.')]));
    updatePager();
  }

  function updatePager() {
    byId('users-prev').disabled = state.page === 0;
    byId('users-next').disabled = !state.nextToken;
  }

  function firstPage() {
    state.tokens = [null];
    state.page = 0;
  }

  function userRow(user) {
    // The name opens the user's dialog: the first thing a narrow screen shows.
    return row([
      h('code', {}, String(user.id)),
      h('button', {
        type: 'button', class: 'link', title: `Open user ${user.id}`,
        onclick: () => openUser(user.id),
      }, user.fullName ?? `${user.firstName} ${user.lastName}`),
      user.email,
      (user.roles || []).map((role) => h('span', { class: 'chip' }, role.key)),
      badge(user.active),
      day(user.createdDate),
      day(user.lastLoginDate),
    ], { dataset: { userId: String(user.id) } });
  }

  // The `where` box: each pause in typing asks the server whether the
  // clause is valid; a valid one filters the table, a bad one shows the
  // server's message with a marker under the position it names.
  const checkWhere = debounce(async () => {
    const text = whereInput.value;
    const seq = ++state.checkSeq;
    if (!text.trim()) {
      showWhereError(null);
      if (state.where !== '') { state.where = ''; firstPage(); load(); }
      return;
    }
    try {
      await admin('GET', `/explain${query({ where: text })}`);
      if (seq !== state.checkSeq) return;
      showWhereError(null);
      state.where = text;
      firstPage();
      load();
    } catch (error) {
      if (seq !== state.checkSeq) return;
      showWhereError(error, text);
    }
  }, 300);

  function showWhereError(error, text) {
    if (!error) {
      whereError.hidden = true;
      whereError.replaceChildren();
      whereInput.removeAttribute('aria-invalid');
      return;
    }
    whereInput.setAttribute('aria-invalid', 'true');
    const position = error.status === 400 ? errorPosition(error.message) : null;
    const parts = [errorView(error)];
    if (position !== null) {
      const characters = Array.from(text);
      parts.push(h('pre', { class: 'where-pointer', 'aria-hidden': 'true' },
        h('span', {}, characters.join('')), '\n',
        h('span', { class: 'where-marker', 'data-position': String(position) },
          `${' '.repeat(Math.max(0, position - 1))}^`)));
    }
    whereError.replaceChildren(...parts);
    whereError.hidden = false;
  }

  async function fetchUser(id) {
    const { data } = await api('GET', `/users/${id}${query({ includeInactive: 'true' })}`, auth());
    return data;
  }

  // One user's dialog: everything that can be done to them.
  async function openUser(id) {
    let user;
    try {
      user = await fetchUser(id);
    } catch (error) {
      flash(error);
      return;
    }
    const problem = h('div', { class: 'dialog-error', role: 'alert' });
    const body = h('div', { class: 'stack' });
    const title = h('h2', { id: 'user-dialog-title' }, 'User');
    const dialog = h('dialog', { class: 'modal wide', 'aria-labelledby': 'user-dialog-title', dataset: { userId: String(id) } },
      h('div', { class: 'view-head small' },
        title,
        h('button', { type: 'button', onclick: () => dialog.close() }, 'Close')),
      problem, body);
    dialog.addEventListener('close', () => { dialog.remove(); load(); });

    async function act(work) {
      problem.replaceChildren();
      try {
        await work();
        user = await fetchUser(id);
        render();
      } catch (error) {
        problem.replaceChildren(errorView(error));
      }
    }

    function render() {
      title.textContent = `${user.fullName} (#${user.id})`;
      const held = (user.roles || []).map((role) => role.key);
      const grantable = ROLE_KEYS.filter((key) => !held.includes(key));
      const first = h('input', { id: 'user-first', value: user.firstName ?? '', required: true, autocomplete: 'off' });
      const last = h('input', { id: 'user-last', value: user.lastName ?? '', required: true, autocomplete: 'off' });
      const email = h('input', { id: 'user-email', value: user.email ?? '', required: true, autocomplete: 'off', spellcheck: 'false' });
      const password = h('input', { id: 'user-password', type: 'password', autocomplete: 'new-password', placeholder: 'unchanged' });
      const grantSelect = h('select', { id: 'user-grant' }, grantable.map((key) => h('option', { value: key }, key)));
      const revealPassword = h('input', { id: 'user-reveal-password', type: 'password', autocomplete: 'off', required: true });
      const secret = h('output', { id: 'user-secret', class: 'secret', for: 'user-reveal-password' });
      body.replaceChildren(
        h('form', {
          class: 'stack',
          onsubmit: (event) => {
            event.preventDefault();
            const change = { firstName: first.value, lastName: last.value, email: email.value };
            if (password.value) change.password = password.value;
            act(() => api('PATCH', `/users/${id}`, auth(), { body: change }));
          },
        },
        h('h3', {}, 'Details'),
        h('div', { class: 'row' },
          h('div', { class: 'field grow' }, h('label', { for: 'user-first' }, 'First name'), first),
          h('div', { class: 'field grow' }, h('label', { for: 'user-last' }, 'Last name'), last)),
        h('div', { class: 'row' },
          h('div', { class: 'field grow' }, h('label', { for: 'user-email' }, 'Email'), email),
          h('div', { class: 'field grow' }, h('label', { for: 'user-password' }, 'New password'), password)),
        h('p', { class: 'muted' }, `Created ${user.createdDate}, last login ${user.lastLoginDate}.`),
        h('div', { class: 'row end' }, h('button', { type: 'submit', class: 'primary', id: 'user-save' }, 'Save changes'))),
        h('section', { class: 'stack' },
          h('h3', {}, 'Roles'),
          h('ul', { class: 'chips', id: 'user-roles' }, held.length ? held.map((key) => h('li', { class: 'chip' }, key,
            h('button', {
              type: 'button', class: 'ghost', 'aria-label': `Revoke ${key}`, dataset: { revoke: key },
              onclick: () => act(() => api('DELETE', `/users/${id}/roles/${encodeURIComponent(key)}`, auth())),
            }, '×'))) : h('li', { class: 'muted' }, 'No roles')),
          grantable.length ? h('form', {
            class: 'row',
            onsubmit: (event) => {
              event.preventDefault();
              act(() => api('PUT', `/users/${id}/roles/${encodeURIComponent(grantSelect.value)}`, auth()));
            },
          }, h('div', { class: 'field' }, h('label', { for: 'user-grant' }, 'Role to grant'), grantSelect),
          h('button', { type: 'submit', id: 'user-grant-button' }, 'Grant role')) : null),
        h('section', { class: 'stack' },
          h('h3', {}, 'Secret'),
          h('form', {
            class: 'row',
            onsubmit: (event) => {
              event.preventDefault();
              secret.textContent = '';
              problem.replaceChildren();
              api('GET', `/users/${id}${query({ includeInactive: 'true' })}`, auth(),
                { headers: { 'Elements-User-Password': revealPassword.value } })
                .then(({ data }) => { secret.textContent = data.secret ?? '(no secret in the answer)'; })
                .catch((error) => problem.replaceChildren(errorView(error)));
            },
          },
          h('div', { class: 'field grow' }, h('label', { for: 'user-reveal-password' }, "The user's password"), revealPassword),
          h('button', { type: 'submit' }, 'Reveal secret')),
          secret),
        h('section', { class: 'row status-row' },
          h('span', {}, 'Active: ', badge(user.active)),
          h('button', {
            type: 'button', id: 'user-toggle-active',
            onclick: () => act(() => api('PATCH', `/users/${id}`, auth(), { body: { active: !user.active } })),
          }, user.active ? 'Deactivate' : 'Reactivate'),
          h('button', {
            type: 'button', class: 'danger', id: 'user-delete',
            onclick: () => confirmDialog('Delete this user?', `${user.fullName} <${user.email}> is removed for good; their secret stops working at once.`,
              'Delete user', async () => {
                await api('DELETE', `/users/${id}`, auth());
                dialog.close();
                flash(`User ${id} deleted.`, 'ok');
              }),
          }, 'Delete user…')));
    }

    render();
    document.body.append(dialog);
    dialog.showModal();
  }

  async function createUser() {
    const organization = context.organization;
    if (!organization) return;
    const accountId = state.accountId || organization.defaultAccountId;
    const accountName = state.accountId
      ? accountSelect.selectedOptions[0]?.textContent
      : `the default account (#${organization.defaultAccountId})`;
    const created = await formDialog({
      title: 'New user',
      intro: `In ${accountName}.`,
      fields: [
        { name: 'firstName', label: 'First name', required: true },
        { name: 'lastName', label: 'Last name', required: true },
        { name: 'email', label: 'Email', required: true },
        { name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password' },
        { name: 'admin', label: 'Administrator of the account (admin)', type: 'checkbox' },
      ],
      submitLabel: 'Create user',
      submit: async (values) => {
        const body = {
          firstName: values.firstName, lastName: values.lastName, email: values.email, password: values.password,
        };
        if (values.admin) body.roles = [{ key: 'admin' }];
        const { data } = await api('POST', `/accounts/${accountId}/users`, organization.authorization, { body });
        return data;
      },
    });
    if (created) {
      flash(`User ${created.id} created.`, 'ok');
      load();
    }
  }

  whereInput.addEventListener('input', checkWhere);
  inactive.addEventListener('change', () => { firstPage(); load(); });
  accountSelect.addEventListener('change', () => {
    state.accountId = accountSelect.value;
    firstPage();
    load();
  });
  byId('users-prev').addEventListener('click', () => {
    if (state.page > 0) { state.page -= 1; load(); }
  });
  byId('users-next').addEventListener('click', () => {
    if (!state.nextToken) return;
    state.tokens[state.page + 1] = state.nextToken;
    state.page += 1;
    load();
  });
  byId('user-new').addEventListener('click', () => attempt(createUser));

  const refresh = () => attempt(async () => { await loadAccounts(); await load(); });

  context.onOrganization(() => {
    state.accountId = '';
    firstPage();
    if (state.visible) refresh();
  });
  return {
    show() { state.visible = true; refresh(); },
    hide() { state.visible = false; },
    /** Shows the users of one account. */
    showAccount(accountId) {
      state.accountId = String(accountId);
      firstPage();
    },
  };
}

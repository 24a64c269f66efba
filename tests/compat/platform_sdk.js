// Compatibility check: the real service's published platform client against
// localelements.
//
// The client is `platformSDK.js` of the npm package
// serverless-cloud-elements-plugin@0.1.6 (generated from the real service's
// API description), loaded exactly as published with superagent@3.8.3. This
// script calls every identity function of it (accounts, account users,
// organization-wide users, roles, the caller's organization) in the order a
// client would, and asserts each answer: its status and the fields clients
// read. Routes the client has no generated function for, but that the real
// service's own test suite calls (the roles of an account, a trailing
// slash, non-positive ids), are reached through the client's own generic
// `get`/`put`/`post`/`delete` methods, so the same request code sends them.
//
// Environment:
//   LOCALELEMENTS_BASE_URL        the server, e.g. http://127.0.0.1:8080
//                                 (a trailing /elements/api-v2 is accepted:
//                                 the client appends that path itself)
//   LOCALELEMENTS_AUTHORIZATION   `User <secret>, Organization <secret>` of an
//                                 org-admin of the organization to use
//   PLATFORM_SDK_NODE_MODULES     optional: the node_modules folder holding
//                                 the two packages (else normal resolution,
//                                 e.g. NODE_PATH)
//
// Prints one line per call (PASS, FAIL or SKIP), then
// `N passed, N failed, N skipped`; exits 1 when any call failed. The
// organization is left as it was found: the script removes what it creates,
// and what an earlier interrupted run left behind (the fixed external ids
// and emails below).
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { createRequire } = require('node:module');

// ---------------------------------------------------------------------------
// Loading the published client

const modulesDir = process.env.PLATFORM_SDK_NODE_MODULES;
const load = modulesDir ? createRequire(path.join(path.resolve(modulesDir), 'platform_sdk.js')) : require;
// The package has no `main` a client could use (its index.js is a Serverless
// plugin needing packages that are no longer published); clients require the
// generated file itself.
const { platformSDK } = load('serverless-cloud-elements-plugin/platformSDK');

const baseUrl = (process.env.LOCALELEMENTS_BASE_URL || '').replace(/\/+$/, '').replace(/\/elements\/api-v2$/, '');
const authorization = process.env.LOCALELEMENTS_AUTHORIZATION || '';
if (!baseUrl || !authorization) {
  console.error('Set LOCALELEMENTS_BASE_URL and LOCALELEMENTS_AUTHORIZATION');
  process.exit(2);
}

// The client logs "Call <METHOD> <url>" for every request; this script
// prints its own line per call instead.
const sdk = new platformSDK(baseUrl, authorization, { log: () => {} });

// The generated functions resolve to the body alone. To assert statuses and
// headers too, the instance's `request` (the published one, unchanged) is
// wrapped to remember the last superagent response, success or error.
let lastResponse = null;
const publishedRequest = sdk.request;
sdk.request = function observedRequest(...args) {
  return publishedRequest.apply(this, args).then(
    (response) => {
      lastResponse = response;
      return response;
    },
    (error) => {
      lastResponse = error && error.response ? error.response : null;
      throw error;
    },
  );
};

// ---------------------------------------------------------------------------
// Fixed names: the same on every run, so a run finds (and removes) what an
// interrupted one left. `+` in an email goes into paths as it is: the client
// does not encode path segments.

const EXTERNAL_ID = 'compat-platform-sdk@localelements.test';
const SECOND_EXTERNAL_ID = 'compat-platform-sdk-2@localelements.test';
const NAMELESS_EXTERNAL_ID = 'compat-platform-sdk-3@localelements.test';
const ORG_EXTERNAL_ID = 'compat-platform-sdk-4@localelements.test';
const USER_A = 'compat+user-a@localelements.test';
const USER_B = 'compat+user-b@localelements.test';
const USER_C = 'compat+user-c@localelements.test';
const ORG_USER = 'compat+org-user@localelements.test';
const PASSWORD = 'Compat-Passw0rd!';
const ALL_EMAILS = [USER_A, USER_B, USER_C, ORG_USER];

// The identity functions of the client. Every one is called below, or listed
// in NOT_EMULATED with the reason; the end of the run checks both lists
// against what was called, so a function cannot be forgotten.
const IDENTITY_FUNCTIONS = [
  'getAccounts', 'createAccount', 'getAccountById', 'updateAccountById', 'replaceAccountById', 'deleteAccountById',
  'getAccountsUsers', 'createAccountUser', 'getAccountsUserByEmailOrId', 'updateAccountsUserByUserId',
  'replaceAccountsUserByUserId', 'deleteAccountsUserByUserId',
  'getUsers', 'getUserByEmailOrId', 'updateUserById', 'deleteUserById',
  'getUsersRoles', 'replaceUsersRoleByRoleKey', 'deleteUsersRoleByRoleKey',
  'getOrganizationsMe', 'replaceOrganizationsMe',
  'getOrganizationsUsers', 'createOrganizationUser', 'getOrganizationsUserByEmailOrId',
  'updateOrganizationsUserById', 'deleteOrganizationsUserById',
  'getOrganizationsAccounts', 'createOrganizationAccount', 'getOrganizationsAccountByAccountId',
];
const NOT_EMULATED = {
  createOrganization: 'creating organizations needs the customer-admin privilege (a level above organizations)',
  getCustomersMe: 'customers (a level above organizations) are not emulated',
  getCustomersOrganizations: 'customers (a level above organizations) are not emulated',
  getCustomersOrganizationById: 'customers (a level above organizations) are not emulated',
  deleteCustomersOrganizationById: 'customers (a level above organizations) are not emulated',
  createCustomerSignup: 'customers (a level above organizations) are not emulated',
  createCustomerIdentityProvider: 'single sign-on of customers (a level above organizations) is not emulated',
  getCustomersIdentityProviders: 'single sign-on of customers (a level above organizations) is not emulated',
  getCustomersIdentityProviderById: 'single sign-on of customers (a level above organizations) is not emulated',
  deleteCustomersIdentityProviderById: 'single sign-on of customers (a level above organizations) is not emulated',
  createAuthenticationPassword: 'password resets by the user are not emulated',
  getAuditLogsAuthentication: 'audit logs are not emulated',
};

// ---------------------------------------------------------------------------
// Running calls

const counts = { passed: 0, failed: 0, skipped: 0 };
const called = new Set();

class Skip extends Error {}

// A value an earlier call should have produced; without it the call is
// skipped rather than sent with `undefined` in its path.
function need(value, what) {
  if (value === undefined || value === null) throw new Skip(`needs ${what}`);
  return value;
}

// Calls one client function and checks its answer.
//   name      the client function (or `generic get` etc.), for the report
//   send      () => the client's parameters object (its run() is called) or
//             a promise from a generic method
//   status    the expected HTTP status
//   check     optional (body, response) => void, asserting what clients read
// Returns the body whenever the status is the expected one (even when a
// field is wrong, so that later calls can go on with the object), else
// undefined.
async function call(name, send, status, check) {
  const functionName = name.split(' ')[0];
  if (typeof sdk[functionName] === 'function' && !name.startsWith('generic')) called.add(functionName);
  lastResponse = null;
  let body;
  let error;
  try {
    const started = send();
    body = await (typeof started.run === 'function' ? started.run() : started.then((r) => r.body));
  } catch (e) {
    if (e instanceof Skip) {
      counts.skipped += 1;
      console.log(`SKIP  ${name.padEnd(38)} ${e.message}`);
      return undefined;
    }
    error = e;
  }
  const response = lastResponse;
  const request = response && response.req ? `${response.req.method} ${readablePath(response.req.path)}` : '(no request made)';
  const got = response ? response.status : undefined;
  try {
    if (!response) throw new Error(`no answer: ${error ? error.message : 'unknown error'}`);
    if (got !== status) {
      const message = response.body && response.body.message ? response.body.message : String(response.text || '').slice(0, 200);
      throw new Error(`expected ${status}, got ${got}: ${message}`);
    }
    if (status >= 400) {
      // Every error answer has the error shape.
      assert.equal(typeof response.body, 'object', 'error body is JSON');
      assert.match(String(response.body.requestId), /^[0-9a-f]{24}$/, 'error body has requestId');
      assert.equal(typeof response.body.message, 'string', 'error body has message');
    } else if (check) {
      check(body, response);
    }
  } catch (e) {
    if (e instanceof Skip) {
      // The answer came, but cannot be judged without what an earlier call
      // should have produced.
      counts.skipped += 1;
      console.log(`SKIP  ${name.padEnd(38)} ${request} -> ${got}, not judged: ${e.message}`);
      return status < 400 ? (body === undefined ? null : body) : undefined;
    }
    counts.failed += 1;
    console.log(`FAIL  ${name.padEnd(38)} ${request} -> ${e.message.split('\n')[0]}`);
    return got === status && status < 400 ? (body === undefined ? null : body) : undefined;
  }
  counts.passed += 1;
  console.log(`PASS  ${name.padEnd(38)} ${request} -> ${got}`);
  return status < 400 ? (body === undefined ? null : body) : undefined;
}

// The path as sent, with percent-escapes decoded for reading when they can be.
function readablePath(sent) {
  try {
    return decodeURI(sent);
  } catch (e) {
    return sent;
  }
}

// ---------------------------------------------------------------------------
// What clients read in each object

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkRole(role, key) {
  assert.equal(typeof role.id, 'number', 'role.id');
  assert.equal(role.key, key, 'role.key');
  assert.equal(typeof role.name, 'string', 'role.name');
  assert.equal(typeof role.description, 'string', 'role.description');
  assert.equal(role.active, true, 'role.active');
  assert.ok(Array.isArray(role.features), 'role.features');
}

function roleKeys(user) {
  assert.ok(Array.isArray(user.roles), 'user.roles is an array');
  return user.roles.map((r) => r.key);
}

function checkUser(user, expected = {}) {
  assert.ok(user !== null && typeof user === 'object', 'a user object');
  assert.ok(!Array.isArray(user), 'a single user is an object, not an array');
  assert.equal(typeof user.id, 'number', 'user.id');
  for (const field of ['firstName', 'lastName', 'fullName', 'email', 'createdDate']) {
    assert.equal(typeof user[field], 'string', `user.${field}`);
  }
  assert.equal(user.fullName, `${user.firstName} ${user.lastName}`, 'user.fullName');
  assert.match(user.createdDate, DATE, 'user.createdDate');
  assert.equal(typeof user.active, 'boolean', 'user.active');
  assert.equal(user.enabled, user.active, 'user.enabled');
  assert.ok(user.password === undefined || user.password === 'secured', 'no password is returned');
  roleKeys(user);
  for (const [field, value] of Object.entries(expected)) assert.deepEqual(user[field], value, `user.${field}`);
}

function checkAccount(account, expected = {}) {
  assert.ok(account !== null && typeof account === 'object', 'an account object');
  assert.ok(!Array.isArray(account), 'a single account is an object, not an array');
  assert.equal(typeof account.id, 'number', 'account.id');
  assert.equal(typeof account.name, 'string', 'account.name');
  assert.equal(typeof account.defaultAccount, 'boolean', 'account.defaultAccount');
  assert.equal(account.type, account.defaultAccount ? 'Default' : 'CompanyAccount', 'account.type');
  assert.equal(typeof account.active, 'boolean', 'account.active');
  assert.match(String(account.createdDate), DATE, 'account.createdDate');
  assert.match(String(account.updatedDate), DATE, 'account.updatedDate');
  assert.equal(typeof account.companyId, 'number', 'account.companyId');
  for (const [field, value] of Object.entries(expected)) assert.deepEqual(account[field], value, `account.${field}`);
}

function checkList(body, response, checkItem) {
  assert.ok(Array.isArray(body), 'a list is a JSON array');
  body.forEach((item) => checkItem(item));
  const total = Number(response.headers['elements-total-count']);
  const returned = Number(response.headers['elements-returned-count']);
  assert.ok(Number.isInteger(total) && total >= body.length, 'Elements-Total-Count');
  assert.equal(returned, body.length, 'Elements-Returned-Count');
}

const ids = (list) => list.map((x) => x.id);
const quote = (text) => `'${text.replace(/'/g, "''")}'`;

// ---------------------------------------------------------------------------
// The calls

async function main() {
  console.log(`# ${sdk.getDomain()}`);

  // -- The caller's organization
  const org = await call('getOrganizationsMe', () => sdk.getOrganizationsMe(), 200, (o) => {
    assert.equal(typeof o.id, 'number', 'organization.id');
    assert.equal(typeof o.name, 'string', 'organization.name');
    assert.equal(o.active, true, 'organization.active');
    assert.match(String(o.createdDate), DATE, 'organization.createdDate');
  });
  const orgId = org ? org.id : undefined;

  // -- Leftovers of an interrupted run (removed before anything is asserted)
  const leftovers = await call(
    'getUsers (leftovers)',
    () => sdk.getUsers().where(`email IN (${ALL_EMAILS.map(quote).join(', ')})`).includeInactive(true),
    200,
    (body, response) => checkList(body, response, (u) => checkUser(u)),
  );
  for (const user of leftovers || []) {
    await call('deleteUserById (leftover)', () => sdk.deleteUserById(user.id), 200);
  }
  const oldAccounts = await call(
    'getAccounts (leftovers)',
    () =>
      sdk
        .getAccounts()
        .where(`externalId IN (${[EXTERNAL_ID, SECOND_EXTERNAL_ID, NAMELESS_EXTERNAL_ID, ORG_EXTERNAL_ID].map(quote).join(', ')})`)
        .includeInactive(true),
    200,
    (body, response) => checkList(body, response, (a) => checkAccount(a)),
  );
  for (const account of oldAccounts || []) {
    await call('deleteAccountById (leftover)', () => sdk.deleteAccountById(account.id), 200);
  }

  // -- Accounts
  const accounts = await call('getAccounts', () => sdk.getAccounts(), 200, (body, response) => {
    checkList(body, response, (a) => checkAccount(a, orgId === undefined ? {} : { companyId: orgId }));
    assert.equal(body[0].defaultAccount, true, 'the default account comes first');
  });
  const defaultAccountId = accounts && accounts[0] ? accounts[0].id : undefined;

  const account = await call('createAccount', () => sdk.createAccount({ externalId: EXTERNAL_ID, name: 'Compat Account' }), 200, (a) =>
    checkAccount(a, {
      externalId: EXTERNAL_ID,
      name: 'Compat Account',
      defaultAccount: false,
      active: true,
      ...(orgId === undefined ? {} : { companyId: orgId }),
    }),
  );
  const accountId = account ? account.id : undefined;
  await call('createAccount (same externalId)', () => sdk.createAccount({ externalId: EXTERNAL_ID, name: 'Again' }), 409);
  await call('createAccount (no externalId)', () => sdk.createAccount({ name: 'No external id' }), 400);
  const stray = lastResponse && lastResponse.status === 200 && lastResponse.body ? lastResponse.body.id : undefined;
  if (stray !== undefined) {
    // Created although it should not have been: removed, so that the
    // organization is left as it was found.
    await call('deleteAccountById (created by mistake)', () => sdk.deleteAccountById(stray), 200);
  }
  // Only externalId is required; the name defaults to it.
  const nameless = await call('createAccount (externalId only)', () => sdk.createAccount({ externalId: NAMELESS_EXTERNAL_ID }), 200, (a) =>
    checkAccount(a, { externalId: NAMELESS_EXTERNAL_ID, name: NAMELESS_EXTERNAL_ID }),
  );
  await call('deleteAccountById (externalId only)', () => sdk.deleteAccountById(need(nameless && nameless.id, 'the account made with externalId only')), 200);

  await call('getAccountById', () => sdk.getAccountById(need(accountId, 'the account')), 200, (a) =>
    checkAccount(a, { id: accountId, externalId: EXTERNAL_ID }),
  );
  await call('getAccounts where', () => sdk.getAccounts().where(`externalId = ${quote(EXTERNAL_ID)}`).pageSize(5).offset(0), 200, (body, response) => {
    checkList(body, response, (a) => checkAccount(a));
    assert.deepEqual(ids(body), [need(accountId, 'the account')], 'only the new account');
    assert.equal(response.headers['elements-total-count'], '1', 'Elements-Total-Count');
  });
  await call(
    'updateAccountById',
    () => sdk.updateAccountById(need(accountId, 'the account'), { name: 'Compat Account (updated)', description: 'Made by the compatibility check' }),
    200,
    (a) => checkAccount(a, { id: accountId, name: 'Compat Account (updated)', description: 'Made by the compatibility check', externalId: EXTERNAL_ID }),
  );
  // PUT replaces: the description not given is cleared.
  await call(
    'replaceAccountById',
    () => sdk.replaceAccountById(need(accountId, 'the account'), { externalId: EXTERNAL_ID, name: 'Compat Account (replaced)' }),
    200,
    (a) => {
      checkAccount(a, { id: accountId, name: 'Compat Account (replaced)', externalId: EXTERNAL_ID, active: true });
      assert.equal(a.description, undefined, 'description cleared by the replacement');
    },
  );
  await call('getAccountById (-1)', () => sdk.getAccountById(-1), 404);
  await call('getAccountById (0)', () => sdk.getAccountById(0), 404);
  await call('updateAccountById (-1)', () => sdk.updateAccountById(-1, { name: 'x' }), 404);
  await call('deleteAccountById (-1)', () => sdk.deleteAccountById(-1), 404);
  await call('deleteAccountById (default account)', () => sdk.deleteAccountById(need(defaultAccountId, 'the default account')), 403);

  // -- Accounts through the organization
  await call('getOrganizationsAccounts', () => sdk.getOrganizationsAccounts(need(orgId, 'the organization')), 200, (body, response) => {
    checkList(body, response, (a) => checkAccount(a, { companyId: orgId }));
    assert.ok(ids(body).includes(need(accountId, 'the account')), 'lists the new account');
  });
  await call(
    'getOrganizationsAccountByAccountId',
    () => sdk.getOrganizationsAccountByAccountId(need(orgId, 'the organization'), need(accountId, 'the account')),
    200,
    (a) => checkAccount(a, { id: accountId, externalId: EXTERNAL_ID }),
  );
  const orgAccount = await call(
    'createOrganizationAccount',
    () => sdk.createOrganizationAccount(need(orgId, 'the organization'), { externalId: ORG_EXTERNAL_ID, name: 'Compat Org Account', description: 'Org' }),
    200,
    (a) => checkAccount(a, { externalId: ORG_EXTERNAL_ID, name: 'Compat Org Account', description: 'Org', companyId: orgId, active: true }),
  );
  await call(
    'getOrganizationsAccountByAccountId (-1)',
    () => sdk.getOrganizationsAccountByAccountId(need(orgId, 'the organization'), -1),
    404,
  );
  await call('deleteAccountById (organization account)', () => sdk.deleteAccountById(need(orgAccount && orgAccount.id, 'the organization account')), 200);

  // -- includeInactive: an inactive account is hidden unless asked for
  const second = await call('createAccount (second)', () => sdk.createAccount({ externalId: SECOND_EXTERNAL_ID, name: 'Compat Second' }), 200, (a) =>
    checkAccount(a, { externalId: SECOND_EXTERNAL_ID, active: true }),
  );
  const secondId = second ? second.id : undefined;
  await call('updateAccountById (deactivate)', () => sdk.updateAccountById(need(secondId, 'the second account'), { active: false }), 200, (a) =>
    checkAccount(a, { id: secondId, active: false }),
  );
  await call('getAccounts (inactive hidden)', () => sdk.getAccounts(), 200, (body, response) => {
    checkList(body, response, (a) => checkAccount(a, { active: true }));
    assert.ok(!ids(body).includes(need(secondId, 'the second account')), 'the inactive account is not listed');
  });
  await call('getAccounts includeInactive', () => sdk.getAccounts().includeInactive(true), 200, (body, response) => {
    checkList(body, response, (a) => checkAccount(a));
    const found = body.find((a) => a.id === need(secondId, 'the second account'));
    assert.ok(found, 'the inactive account is listed');
    assert.equal(found.active, false, 'shown inactive');
  });
  await call('getAccountById (inactive)', () => sdk.getAccountById(need(secondId, 'the second account')), 404);
  await call('getAccountById includeInactive', () => sdk.getAccountById(need(secondId, 'the second account')).includeInactive(true), 200, (a) =>
    checkAccount(a, { id: secondId, active: false }),
  );
  await call(
    'getOrganizationsAccounts includeInactive',
    () => sdk.getOrganizationsAccounts(need(orgId, 'the organization')).includeInactive(true).where(`externalId = ${quote(SECOND_EXTERNAL_ID)}`),
    200,
    (body, response) => {
      checkList(body, response, (a) => checkAccount(a, { active: false }));
      assert.deepEqual(ids(body), [need(secondId, 'the second account')], 'the inactive account');
    },
  );

  // -- Users of the account
  const userA = await call(
    'createAccountUser',
    () => sdk.createAccountUser(need(accountId, 'the account'), { firstName: 'Ada', lastName: 'Compat', email: USER_A, password: PASSWORD, roles: [{ key: 'admin' }] }),
    200,
    (u) => {
      checkUser(u, { email: USER_A, firstName: 'Ada', lastName: 'Compat', active: true });
      assert.deepEqual(roleKeys(u), ['admin'], 'the roles asked for');
      assert.equal(typeof u.secret, 'string', 'the new user has its secret');
    },
  );
  const userAId = userA ? userA.id : undefined;
  await call(
    'createAccountUser (same email)',
    () => sdk.createAccountUser(need(accountId, 'the account'), { firstName: 'Ada', lastName: 'Again', email: USER_A, password: PASSWORD }),
    409,
  );
  const userB = await call(
    'createAccountUser (second)',
    () => sdk.createAccountUser(need(accountId, 'the account'), { firstName: 'Bob', lastName: 'Compat', email: USER_B, password: PASSWORD }),
    200,
    (u) => checkUser(u, { email: USER_B }),
  );
  const userBId = userB ? userB.id : undefined;

  await call('getAccountsUsers', () => sdk.getAccountsUsers(need(accountId, 'the account')), 200, (body, response) => {
    checkList(body, response, (u) => checkUser(u));
    assert.deepEqual(ids(body), [need(userAId, 'user A'), need(userBId, 'user B')], 'both users, by id');
    assert.ok(body.every((u) => u.secret === undefined), 'lists never carry secrets');
  });
  const page1 = await call('getAccountsUsers pageSize', () => sdk.getAccountsUsers(need(accountId, 'the account')).pageSize(1), 200, (body, response) => {
    checkList(body, response, (u) => checkUser(u));
    assert.deepEqual(ids(body), [need(userAId, 'user A')], 'the first page');
    assert.equal(typeof response.headers['elements-next-page-token'], 'string', 'Elements-Next-Page-Token');
  });
  const token = page1 ? lastResponse.headers['elements-next-page-token'] : undefined;
  await call(
    'getAccountsUsers nextPage',
    () => sdk.getAccountsUsers(need(accountId, 'the account')).pageSize(1).nextPage(need(token, 'a page token')),
    200,
    (body, response) => {
      checkList(body, response, (u) => checkUser(u));
      assert.deepEqual(ids(body), [need(userBId, 'user B')], 'the second page');
      assert.equal(response.headers['elements-next-page-token'], undefined, 'no page after the last');
    },
  );
  await call('getAccountsUsers where', () => sdk.getAccountsUsers(need(accountId, 'the account')).where(`email = ${quote(USER_B)}`), 200, (body, response) => {
    checkList(body, response, (u) => checkUser(u));
    assert.deepEqual(ids(body), [need(userBId, 'user B')], 'only user B');
  });
  await call('getAccountsUserByEmailOrId (id)', () => sdk.getAccountsUserByEmailOrId(need(accountId, 'the account'), need(userAId, 'user A')), 200, (u) => {
    checkUser(u, { id: userAId, email: USER_A });
    assert.equal(u.secret, undefined, 'no secret without the password');
  });
  await call(
    'getAccountsUserByEmailOrId (email, password)',
    () => sdk.getAccountsUserByEmailOrId(need(accountId, 'the account'), USER_A).elementsUserPassword(PASSWORD),
    200,
    (u) => {
      checkUser(u, { id: need(userAId, 'user A') });
      assert.equal(u.secret, userA.secret, 'the secret, with the right password');
    },
  );
  await call(
    'getAccountsUserByEmailOrId (wrong password)',
    () => sdk.getAccountsUserByEmailOrId(need(accountId, 'the account'), USER_A).elementsUserPassword('wrong'),
    401,
  );
  await call(
    'updateAccountsUserByUserId',
    () => sdk.updateAccountsUserByUserId(need(accountId, 'the account'), need(userAId, 'user A'), { firstName: 'Adele', city: 'Denver' }),
    200,
    (u) => checkUser(u, { id: userAId, firstName: 'Adele', lastName: 'Compat', city: 'Denver' }),
  );
  // PUT replaces the profile (the User_PUT type has no password): the city
  // not given is cleared, the roles are those given.
  await call(
    'replaceAccountsUserByUserId',
    () =>
      sdk.replaceAccountsUserByUserId(need(accountId, 'the account'), need(userAId, 'user A'), {
        firstName: 'Ada',
        lastName: 'Replaced',
        email: USER_A,
        country: 'US',
        roles: [{ key: 'admin' }],
      }),
    200,
    (u) => {
      checkUser(u, { id: userAId, firstName: 'Ada', lastName: 'Replaced', email: USER_A, country: 'US' });
      assert.equal(u.city, undefined, 'city cleared by the replacement');
      assert.deepEqual(roleKeys(u), ['admin'], 'roles as given');
    },
  );
  await call(
    'getAccountsUserByEmailOrId (password kept)',
    () => sdk.getAccountsUserByEmailOrId(need(accountId, 'the account'), need(userAId, 'user A')).elementsUserPassword(PASSWORD),
    200,
    (u) => assert.equal(typeof u.secret, 'string', 'the password still opens the secret'),
  );

  // -- Users across the organization
  await call('getUsers', () => sdk.getUsers(), 200, (body, response) => {
    checkList(body, response, (u) => checkUser(u));
    assert.ok(ids(body).includes(need(userAId, 'user A')), 'lists user A');
  });
  await call('getUsers where', () => sdk.getUsers().where(`email = ${quote(USER_A)}`).pageSize(10), 200, (body, response) => {
    checkList(body, response, (u) => checkUser(u));
    assert.deepEqual(ids(body), [need(userAId, 'user A')], 'only user A');
  });
  await call('getUserByEmailOrId (email)', () => sdk.getUserByEmailOrId(USER_A), 200, (u) => checkUser(u, { id: need(userAId, 'user A') }));
  await call('getUserByEmailOrId (id, password)', () => sdk.getUserByEmailOrId(String(need(userAId, 'user A'))).elementsUserPassword(PASSWORD), 200, (u) => {
    checkUser(u, { id: userAId });
    assert.equal(typeof u.secret, 'string', 'the secret, with the right password');
  });
  await call('getUserByEmailOrId (-1)', () => sdk.getUserByEmailOrId('-1'), 404);
  await call('updateUserById', () => sdk.updateUserById(need(userAId, 'user A'), { lastName: 'Organization-wide' }), 200, (u) =>
    checkUser(u, { id: userAId, lastName: 'Organization-wide' }),
  );

  // -- includeInactive for users: hidden unless asked for; PATCH reaches them
  await call('updateUserById (deactivate)', () => sdk.updateUserById(need(userBId, 'user B'), { active: false }), 200, (u) =>
    checkUser(u, { id: userBId, active: false, enabled: false }),
  );
  await call('getUserByEmailOrId (inactive)', () => sdk.getUserByEmailOrId(String(need(userBId, 'user B'))), 404);
  await call('getUserByEmailOrId includeInactive', () => sdk.getUserByEmailOrId(String(need(userBId, 'user B'))).includeInactive(true), 200, (u) =>
    checkUser(u, { id: userBId, active: false }),
  );
  await call('getAccountsUsers (inactive hidden)', () => sdk.getAccountsUsers(need(accountId, 'the account')), 200, (body, response) => {
    checkList(body, response, (u) => checkUser(u, { active: true }));
    assert.deepEqual(ids(body), [need(userAId, 'user A')], 'only the active user');
  });
  await call('getAccountsUsers includeInactive', () => sdk.getAccountsUsers(need(accountId, 'the account')).includeInactive(true), 200, (body, response) => {
    checkList(body, response, (u) => checkUser(u));
    assert.deepEqual(ids(body), [need(userAId, 'user A'), need(userBId, 'user B')], 'both users');
  });
  await call(
    'getAccountsUserByEmailOrId includeInactive',
    () => sdk.getAccountsUserByEmailOrId(need(accountId, 'the account'), USER_B).includeInactive(true),
    200,
    (u) => checkUser(u, { id: need(userBId, 'user B'), active: false }),
  );
  await call('getUsers includeInactive', () => sdk.getUsers().includeInactive(true).where(`email = ${quote(USER_B)}`), 200, (body, response) => {
    checkList(body, response, (u) => checkUser(u, { active: false }));
    assert.deepEqual(ids(body), [need(userBId, 'user B')], 'the inactive user');
  });
  await call(
    'updateAccountsUserByUserId (reactivate)',
    () => sdk.updateAccountsUserByUserId(need(accountId, 'the account'), need(userBId, 'user B'), { active: true }),
    200,
    (u) => checkUser(u, { id: userBId, active: true, enabled: true }),
  );

  // -- Roles of a user
  await call('getUsersRoles', () => sdk.getUsersRoles(need(userAId, 'user A')), 200, (roles) => {
    assert.ok(Array.isArray(roles), 'an array');
    assert.deepEqual(roles.map((r) => r.key), ['admin'], 'the admin role');
    checkRole(roles[0], 'admin');
  });
  await call('deleteUsersRoleByRoleKey', () => sdk.deleteUsersRoleByRoleKey(need(userAId, 'user A'), 'admin'), 200);
  await call('deleteUsersRoleByRoleKey (not held)', () => sdk.deleteUsersRoleByRoleKey(need(userAId, 'user A'), 'admin'), 404);
  await call('getUsersRoles (none)', () => sdk.getUsersRoles(need(userAId, 'user A')), 200, (roles) => assert.deepEqual(roles, [], 'no roles'));
  await call('replaceUsersRoleByRoleKey', () => sdk.replaceUsersRoleByRoleKey(need(userAId, 'user A'), 'admin'), 200, (role) => checkRole(role, 'admin'));
  await call('replaceUsersRoleByRoleKey (held)', () => sdk.replaceUsersRoleByRoleKey(need(userAId, 'user A'), 'admin'), 409);
  await call('replaceUsersRoleByRoleKey (sys-admin)', () => sdk.replaceUsersRoleByRoleKey(need(userAId, 'user A'), 'sys-admin'), 403);
  await call('replaceUsersRoleByRoleKey (unknown key)', () => sdk.replaceUsersRoleByRoleKey(need(userAId, 'user A'), 'foo'), 400);
  await call('replaceUsersRoleByRoleKey (-1)', () => sdk.replaceUsersRoleByRoleKey(-1, 'admin'), 404);

  // -- Roles of an account (no generated function; the client's generic
  //    methods, as the real service's test suite calls them). Users created
  //    in the account afterwards start with its roles.
  const accountRoles = () => `/accounts/${need(accountId, 'the account')}/roles`;
  await call('generic get /accounts/{id}/roles', () => sdk.get(accountRoles()), 200, (roles) => assert.deepEqual(roles, [], 'no roles yet'));
  await call('generic put /accounts/{id}/roles/admin', () => sdk.put(`${accountRoles()}/admin`), 200, (role) => checkRole(role, 'admin'));
  await call('generic get /accounts/{id}/roles', () => sdk.get(accountRoles()), 200, (roles) => {
    assert.deepEqual(roles.map((r) => r.key), ['admin'], 'the admin role');
    checkRole(roles[0], 'admin');
  });
  const userC = await call(
    'createAccountUser (account roles)',
    () => sdk.createAccountUser(need(accountId, 'the account'), { firstName: 'Cy', lastName: 'Compat', email: USER_C, password: PASSWORD }),
    200,
    (u) => {
      checkUser(u, { email: USER_C });
      assert.deepEqual(roleKeys(u), ['admin'], "the account's role");
    },
  );
  await call('generic put /accounts/{id}/roles/sys-admin', () => sdk.put(`${accountRoles()}/sys-admin`), 403);
  await call('generic put /accounts/{id}/roles/foo', () => sdk.put(`${accountRoles()}/foo`), 400);
  await call('generic put /accounts/-1/roles/admin', () => sdk.put('/accounts/-1/roles/admin'), 404);
  await call('generic delete /accounts/{id}/roles/admin', () => sdk.delete(`${accountRoles()}/admin`), 200);
  await call('generic get /accounts/{id}/roles', () => sdk.get(accountRoles()), 200, (roles) => assert.deepEqual(roles, [], 'no roles'));
  await call('deleteUserById', () => sdk.deleteUserById(need(userC && userC.id, 'user C')), 200);
  await call('getUserByEmailOrId (deleted)', () => sdk.getUserByEmailOrId(USER_C).includeInactive(true), 404);
  await call('deleteUserById (-1)', () => sdk.deleteUserById(-1), 404);

  // -- A trailing slash is the same route (the real service's test suite
  //    creates accounts with POST /accounts/)
  await call('generic get /accounts/', () => sdk.get('/accounts/'), 200, (body, response) => checkList(body, response, (a) => checkAccount(a)));
  await call('generic get /accounts/{id}/users/', () => sdk.get(`/accounts/${need(accountId, 'the account')}/users/`), 200, (body, response) =>
    checkList(body, response, (u) => checkUser(u)),
  );

  // -- Users of the organization's default account
  await call('getOrganizationsUsers', () => sdk.getOrganizationsUsers(), 200, (body, response) => {
    checkList(body, response, (u) => checkUser(u));
    assert.ok(body.length > 0, 'the default account has users');
    assert.ok(body.every((u) => roleKeys(u).includes('org')), "all hold 'org': users of the default account");
  });
  await call('createOrganizationUser (empty)', () => sdk.createOrganizationUser({}), 400);
  const orgUser = await call(
    'createOrganizationUser',
    () => sdk.createOrganizationUser({ firstName: 'Olga', lastName: 'Compat', email: ORG_USER, password: PASSWORD }),
    200,
    (u) => {
      checkUser(u, { email: ORG_USER, active: true });
      assert.ok(roleKeys(u).includes('org'), "a user of the default account holds 'org'");
      assert.equal(typeof u.secret, 'string', 'the new user has its secret');
    },
  );
  const orgUserId = orgUser ? orgUser.id : undefined;
  await call(
    'createOrganizationUser (same email)',
    () => sdk.createOrganizationUser({ firstName: 'Olga', lastName: 'Again', email: ORG_USER, password: PASSWORD }),
    409,
  );
  await call('getOrganizationsUsers where', () => sdk.getOrganizationsUsers().where(`firstName = 'Olga'`).pageSize(10), 200, (body, response) => {
    checkList(body, response, (u) => checkUser(u));
    assert.deepEqual(ids(body), [need(orgUserId, 'the organization user')], 'only the new user');
  });
  await call('getOrganizationsUsers (other accounts)', () => sdk.getOrganizationsUsers().where(`email = ${quote(USER_A)}`), 200, (body) =>
    assert.deepEqual(body, [], 'users of other accounts are not listed'),
  );
  // The published client sends the route's template unexpanded
  // (`/organizations/users/{emailOrId:.+}`): whatever it is given, it asks
  // for a user of that literal email, who does not exist.
  await call('getOrganizationsUserByEmailOrId', () => sdk.getOrganizationsUserByEmailOrId(ORG_USER), 404);
  // The route itself, as a client reaches it with the generic method.
  await call('generic get /organizations/users/{email}', () => sdk.get(`/organizations/users/${ORG_USER}`), 200, (u) =>
    checkUser(u, { id: need(orgUserId, 'the organization user') }),
  );
  await call('generic get /organizations/users/{id}', () => sdk.get(`/organizations/users/${need(orgUserId, 'the organization user')}`), 200, (u) =>
    checkUser(u, { email: ORG_USER }),
  );
  await call('updateOrganizationsUserById', () => sdk.updateOrganizationsUserById(need(orgUserId, 'the organization user'), { firstName: 'Olive' }), 200, (u) =>
    checkUser(u, { id: orgUserId, firstName: 'Olive' }),
  );
  await call('deleteOrganizationsUserById', () => sdk.deleteOrganizationsUserById(need(orgUserId, 'the organization user')), 200);
  await call('generic get /organizations/users/{id} (deleted)', () => sdk.get(`/organizations/users/${need(orgUserId, 'the organization user')}`), 404);
  await call('deleteOrganizationsUserById (-1)', () => sdk.deleteOrganizationsUserById(-1), 404);

  // -- The organization's name
  if (org) {
    await call('replaceOrganizationsMe', () => sdk.replaceOrganizationsMe({ name: 'Compat Organization' }), 200, (o) => {
      assert.equal(o.id, org.id, 'organization.id');
      assert.equal(o.name, 'Compat Organization', 'organization.name');
    });
    await call('getOrganizationsMe (renamed)', () => sdk.getOrganizationsMe(), 200, (o) => assert.equal(o.name, 'Compat Organization', 'organization.name'));
    await call('replaceOrganizationsMe (restore)', () => sdk.replaceOrganizationsMe({ name: org.name }), 200, (o) => assert.equal(o.name, org.name, 'organization.name'));
  } else {
    await call('replaceOrganizationsMe', () => need(undefined, 'the organization'), 200);
  }

  // -- Deleting: a user, then the account with the user left in it
  await call('deleteAccountsUserByUserId', () => sdk.deleteAccountsUserByUserId(need(accountId, 'the account'), need(userAId, 'user A')), 200);
  await call(
    'getAccountsUserByEmailOrId (deleted)',
    () => sdk.getAccountsUserByEmailOrId(need(accountId, 'the account'), need(userAId, 'user A')).includeInactive(true),
    404,
  );
  await call('deleteAccountsUserByUserId (-1)', () => sdk.deleteAccountsUserByUserId(need(accountId, 'the account'), -1), 404);
  await call('deleteAccountById', () => sdk.deleteAccountById(need(accountId, 'the account')), 200);
  await call('getAccountById (deleted)', () => sdk.getAccountById(need(accountId, 'the account')).includeInactive(true), 404);
  await call('getUserByEmailOrId (user of deleted account)', () => sdk.getUserByEmailOrId(USER_B).includeInactive(true), 404);

  // -- The same externalId and emails are free again
  const again = await call('createAccount (same externalId again)', () => sdk.createAccount({ externalId: EXTERNAL_ID, name: 'Compat Again' }), 200, (a) => {
    checkAccount(a, { externalId: EXTERNAL_ID, name: 'Compat Again', active: true });
    assert.notEqual(a.id, accountId, 'a new account');
  });
  await call(
    'createAccountUser (same email again)',
    () => sdk.createAccountUser(need(again && again.id, 'the new account'), { firstName: 'Bob', lastName: 'Again', email: USER_B, password: PASSWORD }),
    200,
    (u) => checkUser(u, { email: USER_B }),
  );
  await call('deleteAccountById (again)', () => sdk.deleteAccountById(need(again && again.id, 'the new account')), 200);
  await call('deleteAccountById (inactive account)', () => sdk.deleteAccountById(need(secondId, 'the second account')), 200);

  // -- Functions of the client that are about identities, but not of one
  //    organization: not emulated.
  for (const [name, reason] of Object.entries(NOT_EMULATED)) {
    assert.equal(typeof sdk[name], 'function', `the client has ${name}`);
    counts.skipped += 1;
    console.log(`SKIP  ${name.padEnd(38)} not emulated: ${reason}`);
  }

  // -- Every identity function was called
  const missing = IDENTITY_FUNCTIONS.filter((name) => typeof sdk[name] !== 'function' || !called.has(name));
  if (missing.length > 0) {
    counts.failed += 1;
    console.log(`FAIL  ${'coverage'.padEnd(38)} not called or not in the client: ${missing.join(', ')}`);
  }

  console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  process.exitCode = counts.failed > 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

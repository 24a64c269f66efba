// Calls to the server. The console is one more client: the /__admin
// controls (with the admin token when the server wants one) and the
// emulated API (with the picked organization's Authorization value).

const TOKEN_KEY = 'localelements.adminToken';

/** An answer that is not 2xx, or no answer at all (status 0). */
export class ServerError extends Error {
  constructor(status, message, requestId) {
    super(message);
    this.status = status;
    this.requestId = requestId;
  }
}

let askForToken = null;
let pendingAsk = null;
// Once the person cancels the question, refused calls just fail (until
// the page is loaded again) rather than asking every second.
let declined = false;

/** `ask(message)` resolves to a token, or null when the person gives up. */
export function onAdminTokenNeeded(ask) {
  askForToken = ask;
}

async function call(method, url, headers, body) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new ServerError(0, `The server did not answer (${error.message})`, null);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    const message = data && typeof data === 'object' && typeof data.message === 'string'
      ? data.message
      : (typeof data === 'string' && data) || response.statusText;
    const requestId = (data && typeof data === 'object' && data.requestId)
      || response.headers.get('Elements-Request-Id');
    throw new ServerError(response.status, message, requestId);
  }
  return { status: response.status, headers: response.headers, data };
}

/** A call to `/__admin<path>`; asks for the admin token on a 401. */
export async function admin(method, path, body) {
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    try {
      return await call(method, `/__admin${path}`, headers, body);
    } catch (error) {
      if (error.status !== 401 || !askForToken || declined) throw error;
      // One question at a time, however many calls were refused.
      pendingAsk ??= askForToken(error.message).finally(() => { pendingAsk = null; });
      const given = await pendingAsk;
      if (!given) {
        declined = true;
        throw error;
      }
      sessionStorage.setItem(TOKEN_KEY, given);
    }
  }
}

/** A call to the emulated API as the org-admin whose `authorization` is given. */
export function api(method, path, authorization, { body, headers } = {}) {
  return call(method, `/elements/api-v2${path}`, { Authorization: authorization, ...headers }, body);
}

/** `?a=1&b=2` from the entries whose value is not empty. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

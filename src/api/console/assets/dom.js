// Building the page. Every value from the server goes in as text: `h`
// turns strings into text nodes and sets attributes one by one, and
// nothing in the console parses text as HTML.

/**
 * An element: `h('button', {class: 'primary', onclick: fn}, 'Save')`.
 * Attributes starting with `on` are listeners; `dataset`, `value`,
 * `checked`, `disabled`, `hidden` and `selected` are properties; the rest
 * are set with setAttribute. Children are nodes or text (null skipped).
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (['value', 'checked', 'disabled', 'hidden', 'selected'].includes(name)) element[name] = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function byId(id) {
  return document.getElementById(id);
}

/** `{status} · message · request id` of a server error, or any error's message. */
export function describe(error) {
  if (error && error.status !== undefined) {
    const parts = [error.status ? `${error.status}` : 'No answer', error.message];
    return { text: parts.join(' · '), requestId: error.requestId || null };
  }
  return { text: String(error && error.message ? error.message : error), requestId: null };
}

/** An error, as the server said it, with its request id. */
export function errorView(error) {
  const { text, requestId } = describe(error);
  return h('div', { class: 'error-box' },
    h('span', { class: 'error-text' }, text),
    requestId ? h('span', { class: 'request-id' }, 'request id ', h('code', {}, requestId)) : null);
}

let flashTimer = null;

/** Shows an error (or a notice, with `kind = 'ok'`) at the top of the page. */
export function flash(errorOrText, kind = 'error') {
  const box = byId('flash');
  clearTimeout(flashTimer);
  box.className = `flash ${kind}`;
  const content = kind === 'error' ? errorView(errorOrText) : h('span', {}, errorOrText);
  box.replaceChildren(content,
    h('button', { type: 'button', class: 'ghost', 'aria-label': 'Dismiss', onclick: () => { box.hidden = true; } }, '×'));
  box.hidden = false;
  if (kind !== 'error') flashTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

/** Runs `work`, showing its error at the top of the page; true when it worked. */
export async function attempt(work) {
  try {
    await work();
    return true;
  } catch (error) {
    flash(error);
    return false;
  }
}

/** A yes/no/active cell. */
export function badge(on, yes = 'Yes', no = 'No') {
  return h('span', { class: on ? 'badge on' : 'badge off' }, on ? yes : no);
}

/** A `YYYY-MM-DD` date that does not break across lines. */
export function day(text) {
  return h('time', { datetime: text }, text);
}

/** A table row of cells (nodes or text). */
export function row(cells, attributes = {}) {
  return h('tr', attributes, cells.map((cell) => h('td', {}, cell)));
}

/**
 * Puts `rows` in a table body, each cell labelled with its column's heading
 * (`data-label`): narrow screens show a row as a list of labelled values.
 */
export function fill(body, ...rows) {
  body.replaceChildren(...rows);
  const headings = Array.from(body.closest('table').tHead.rows[0].cells,
    (cell) => (cell.querySelector('.sr-only') ? '' : cell.textContent.trim()));
  for (const tableRow of body.rows) {
    Array.from(tableRow.cells).forEach((cell, index) => {
      if (headings[index] && cell.colSpan === 1) cell.dataset.label = headings[index];
    });
  }
}

/** An empty-table row spanning `columns`. */
export function emptyRow(columns, text) {
  return h('tr', { class: 'empty' }, h('td', { colspan: columns }, text));
}

/**
 * A modal form. `fields`: `{name, label, type, value, required, options,
 * placeholder, hint}`. `submit(values)` runs on submit; an error it throws is
 * shown in the dialog, which stays open. Resolves to what `submit`
 * returned, or null when cancelled.
 */
export function formDialog({ title, intro, fields, submitLabel = 'Save', danger = false, submit }) {
  return new Promise((resolve) => {
    const problem = h('div', { class: 'dialog-error', role: 'alert' });
    const inputs = {};
    const controls = fields.map((field, index) => {
      const id = `dialog-field-${index}`;
      let input;
      if (field.type === 'select') {
        input = h('select', { id, name: field.name },
          field.options.map(([value, label]) => h('option', { value, selected: value === field.value }, label)));
      } else if (field.type === 'checkbox') {
        input = h('input', { id, name: field.name, type: 'checkbox', checked: Boolean(field.value) });
      } else if (field.type === 'textarea') {
        input = h('textarea', { id, name: field.name, rows: 3, value: field.value ?? '' });
      } else {
        input = h('input', {
          id, name: field.name, type: field.type || 'text', value: field.value ?? '',
          required: field.required, placeholder: field.placeholder, autocomplete: field.autocomplete || 'off',
          spellcheck: 'false',
        });
      }
      inputs[field.name] = input;
      const label = h('label', { for: id }, field.label, field.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);
      const hint = field.hint ? h('small', { class: 'muted' }, field.hint) : null;
      return field.type === 'checkbox'
        ? h('div', { class: 'field check' }, input, label)
        : h('div', { class: 'field' }, label, input, hint);
    });
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const ok = h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, submitLabel);
    const form = h('form', { class: 'stack', method: 'dialog' },
      h('h2', {}, title), intro ? h('p', {}, intro) : null, controls, problem,
      h('div', { class: 'row end' }, cancel, ok));
    const dialog = h('dialog', { class: 'modal' }, form);
    let result = null;
    const close = () => dialog.close();
    cancel.addEventListener('click', close);
    dialog.addEventListener('close', () => { dialog.remove(); resolve(result); });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const values = {};
      for (const [name, input] of Object.entries(inputs)) {
        values[name] = input.type === 'checkbox' ? input.checked : input.value;
      }
      ok.disabled = true;
      problem.replaceChildren();
      try {
        result = (await submit(values)) ?? true;
        close();
      } catch (error) {
        problem.replaceChildren(errorView(error));
      } finally {
        ok.disabled = false;
      }
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A yes/no question; `work` runs on yes, its error shown in the dialog. */
export function confirmDialog(title, text, confirmLabel, work) {
  return formDialog({ title, intro: text, fields: [], submitLabel: confirmLabel, danger: true, submit: work });
}

/** Calls `fn` once `ms` have passed without another call. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

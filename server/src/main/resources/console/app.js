// Vigil's console (issue 17, first part): plain JavaScript, no build step, no external requests.
// Every value that comes from events, rules or the store is put in the page with textContent,
// never as HTML: alerts carry attacker-controlled strings.

const page = document.getElementById('page');
const errorBox = document.getElementById('error');
const tokenForm = document.getElementById('token-form');
let stream = null; // the alert stream's AbortController while the alerts page is open

function token() {
  return sessionStorage.getItem('vigil-token') || '';
}

tokenForm.addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem('vigil-token', document.getElementById('token').value);
  tokenForm.hidden = true;
  route();
});

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token()) {
    headers['Authorization'] = 'Bearer ' + token();
  }
  const r = await fetch(path, Object.assign({}, options, { headers }));
  if (r.status === 401) {
    tokenForm.hidden = false;
    document.getElementById('token').focus();
    throw new Error('this server needs its admin token');
  }
  return r;
}

async function json(path) {
  const r = await api(path);
  const body = await r.json();
  if (!r.ok) {
    throw new Error(body.error || (path + ': ' + r.status));
  }
  return body;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    e.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? '' : String(c)));
  }
  return e;
}

function tableOf(headers, rows) {
  return el('table', {},
    el('thead', {}, el('tr', {}, ...headers.map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows));
}

function show(...nodes) {
  page.replaceChildren(...nodes);
}

function fail(e) {
  errorBox.hidden = false;
  errorBox.textContent = e.message;
}

// ------------------------------------------------------------------ pages

async function overview() {
  const s = await json('/api/stats');
  const card = (label, value) => el('div', { class: 'card' }, el('div', { class: 'muted' }, label),
    el('div', { class: 'value' }, value));
  show(el('h2', {}, 'Overview'), el('div', { class: 'cards' },
    card('events accepted', s.events.accepted), card('events rejected', s.events.rejected),
    card('late events', s.events.late), card('alerts raised', s.alerts.raised),
    card('alerts sent', s.alerts.sent), card('dead letters', s.alerts.failed),
    card('engine queue', s.queues.engine), card('outbox', s.queues.outbox),
    card('recovery', s.recovery.state), card('shards', s.shards), card('horizon', s.horizon)));
}

function alertRow(a, kind) {
  return el('tr', {},
    el('td', {}, a.time), el('td', {}, a.rule),
    el('td', { class: 'severity-' + a.severity }, a.severity),
    el('td', {}, a.status + (kind === 'suppressed' ? ' (throttled)' : '')),
    el('td', {}, JSON.stringify(a.key)), el('td', {}, a.message));
}

async function alerts() {
  const filter = { rule: '', text: '' };
  const body = el('tbody', {});
  const list = el('table', {},
    el('thead', {}, el('tr', {}, ...['time', 'rule', 'severity', 'status', 'key', 'message']
      .map(h => el('th', { scope: 'col' }, h)))), body);
  const matches = (a) => (!filter.rule || a.rule === filter.rule)
    && (!filter.text || JSON.stringify(a).toLowerCase().includes(filter.text.toLowerCase()));
  const add = (a, kind, first) => {
    if (matches(a)) {
      if (first) body.prepend(alertRow(a, kind)); else body.append(alertRow(a, kind));
    }
  };
  const initial = await json('/api/alerts?limit=200');
  const reload = () => {
    body.replaceChildren();
    initial.forEach(a => add(a.alert || a, 'alert', false));
  };
  const input = (label, key) => {
    const id = 'filter-' + key;
    const i = el('input', { id, type: 'search' });
    i.addEventListener('input', () => { filter[key] = i.value.trim(); reload(); });
    return el('span', {}, el('label', { for: id }, label), i);
  };
  show(el('h2', {}, 'Alerts'), el('p', { class: 'muted' }, 'Newest first; new alerts appear as they are raised.'),
    el('div', { class: 'filters' }, input('Rule', 'rule'), input('Text', 'text')), list);
  reload();
  // The live stream, read with fetch (EventSource cannot send the admin token).
  stream = new AbortController();
  const r = await api('/api/alerts/stream', { headers: { Accept: 'text/event-stream' }, signal: stream.signal });
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (data) {
        const a = JSON.parse(data);
        initial.unshift(a);
        add(a, event, true);
      }
    }
  }
}

async function rules() {
  const rs = await json('/api/rules');
  show(el('h2', {}, 'Rules'), tableOf(['rule', 'file', 'enabled', 'matched', 'sent', 'horizon'],
    rs.map(r => el('tr', {}, el('td', {}, r.id), el('td', {}, r.file), el('td', {}, String(r.enabled)),
      el('td', {}, r.counts ? r.counts.matched : ''), el('td', {}, r.counts ? r.counts.sent : ''),
      el('td', {}, r.horizon)))));
}

async function deliveries() {
  const dead = await json('/api/dead-letters');
  show(el('h2', {}, 'Dead letters'), dead.length === 0 ? el('p', {}, 'None.') :
    tableOf(['id', 'channel', 'alert', 'last error', ''], dead.map(d => el('tr', {},
      el('td', {}, d.id), el('td', {}, d.channel), el('td', {}, d.alertId || d.alert),
      el('td', {}, d.lastError || d.error),
      el('td', {}, el('button', { type: 'button', onclick: async () => {
        const r = await api('/api/dead-letters/' + encodeURIComponent(d.id) + '/retry', { method: 'POST' });
        if (r.ok) route(); else fail(new Error('retry: ' + r.status));
      } }, 'Retry'))))));
}

async function tables() {
  const ts = await json('/api/tables');
  show(el('h2', {}, 'Tables'), ts.length === 0 ? el('p', {}, 'No rule declares a table.') :
    tableOf(['table', 'rows', 'source', 'last change', 'key'], ts.map(t => el('tr', {},
      el('td', {}, t.name), el('td', {}, t.rows), el('td', {}, t.source), el('td', {}, t.lastChange),
      el('td', {}, t.key.join(', '))))));
}

const pages = { overview, alerts, rules, deliveries, tables };

async function route() {
  if (stream) {
    stream.abort();
    stream = null;
  }
  errorBox.hidden = true;
  const name = (location.hash || '#overview').slice(1);
  const show = pages[name] || overview;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === '#' + name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  try {
    await show();
  } catch (e) {
    if (e.name !== 'AbortError') fail(e);
  }
}

window.addEventListener('hashchange', route);
route();

// Vigil's console: plain JavaScript, no build step, no external requests; every asset is served
// by Vigil itself. Every value that comes from events, rules or the store is put in the page with
// textContent (or as a text node), never as HTML: alerts carry attacker-controlled strings.

const page = document.getElementById('page');
const errorBox = document.getElementById('error');
const tokenForm = document.getElementById('token-form');
const SVG = 'http://www.w3.org/2000/svg';
const SEVERITIES = ['critical', 'high', 'warning', 'info'];

// What the open page started and must stop when another one opens: the alert stream, timers.
let cleanups = [];
// Counts page openings: a page still loading when another opened must not draw over it.
let generation = 0;

/**
 * What a page may do to the screen, as long as it is the open page: draw itself, register what to
 * stop when it is left (run at once when it was left already), and ask whether it is still open.
 */
function viewFor(gen) {
  return {
    live: () => gen === generation,
    show: (...nodes) => { if (gen === generation) show(...nodes); },
    onLeave: (f) => { if (gen === generation) cleanups.push(f); else f(); },
    fail: (e) => { if (gen === generation && e.name !== 'AbortError') fail(e); },
  };
}

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
  if (r.status === 401 || r.status === 403) {
    tokenForm.hidden = false;
    document.getElementById('token').focus();
    throw new Error(r.status === 401 ? 'This server needs its admin token.' : 'That admin token is wrong.');
  }
  return r;
}

async function json(path, options) {
  const r = await api(path, options);
  const body = await r.json();
  if (!r.ok) {
    throw new Error(body.error || (path + ': HTTP ' + r.status));
  }
  return body;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    e.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? '' : String(c)));
  }
  return e;
}

function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function tableOf(headers, rows, caption) {
  return el('table', {}, caption ? el('caption', {}, caption) : null,
    el('thead', {}, el('tr', {}, ...headers.map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows));
}

function show(...nodes) {
  page.replaceChildren(...nodes.filter(n => n !== null && n !== undefined));
}

function fail(e) {
  errorBox.hidden = false;
  errorBox.textContent = e.message;
}

function link(href, text) {
  return el('a', { href }, text);
}

function keyText(key) {
  if (!key || typeof key !== 'object') return key === undefined ? '' : JSON.stringify(key);
  return Object.entries(key).map(([k, v]) => k + '=' + (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

function rate(n) {
  if (n === null || n === undefined) return '–';
  return n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(n >= 10 ? 1 : 2);
}

function millis(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms >= 7200000) return (ms / 3600000).toFixed(1) + ' h';
  if (ms >= 120000) return (ms / 60000).toFixed(1) + ' min';
  if (ms >= 1000) return (ms / 1000).toFixed(ms >= 10000 ? 0 : 1) + ' s';
  return Math.round(ms) + ' ms';
}

// ------------------------------------------------------------------ charts

// A small line chart over the last 15 minutes: one polyline per series, drawn as SVG elements.
function chart(title, samples, series) {
  const w = 320;
  const h = 90;
  const values = series.flatMap(s => samples.map(s.value)).filter(v => v !== null && v !== undefined);
  const max = Math.max(1e-9, ...values);
  const x = (i) => samples.length <= 1 ? w : (i / (samples.length - 1)) * w;
  const y = (v) => h - (v / max) * (h - 4) - 2;
  const latest = series.map(s => s.name + ' ' + s.format(samples.length ? s.value(samples[samples.length - 1]) : null));
  const plot = svg('svg', { viewBox: '0 0 ' + w + ' ' + h, width: w, height: h, role: 'img',
    'aria-label': title + ' over the last 15 minutes; now ' + latest.join(', ') });
  plot.append(svg('line', { x1: 0, y1: h - 1, x2: w, y2: h - 1, class: 'axis' }));
  series.forEach((s, n) => {
    const points = samples.map((p, i) => [x(i), s.value(p)]).filter(p => p[1] !== null && p[1] !== undefined)
      .map(p => p[0].toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ');
    if (points) plot.append(svg('polyline', { points, class: 'series series-' + n }));
  });
  return el('figure', { class: 'chart' },
    el('figcaption', {}, title, el('span', { class: 'muted' }, ' max ' + series[0].format(max))),
    plot,
    el('ul', { class: 'legend' }, ...series.map((s, n) => el('li', { class: 'series-' + n }, latest[n]))));
}

// ------------------------------------------------------------------ overview

async function overview(arg, view) {
  const draw = async () => {
    const [s, h] = await Promise.all([json('/api/stats'), json('/api/stats/history')]);
    const samples = h.samples;
    const last = samples.length ? samples[samples.length - 1] : null;
    const card = (label, value) => el('div', { class: 'card' }, el('div', { class: 'muted' }, label),
      el('div', { class: 'value' }, value));
    const severities = SEVERITIES;
    const alertsPerSecond = last ? severities.reduce((a, v) => a + ((last.alerts || {})[v] || 0), 0) : null;
    const channels = Object.entries(s.channels || {});
    view.show(el('h2', {}, 'Overview'),
      el('div', { class: 'cards' },
        card('events in /s', rate(last && last.eventsIn)), card('events out /s', rate(last && last.eventsOut)),
        card('alerts /s', rate(alertsPerSecond)), card('engine queue', s.queues.engine),
        card('engine lag', millis(s.lag)), card('outbox', s.queues.outbox),
        card('dead letters', s.alerts.failed), card('recovery', s.recovery.state), card('shards', s.shards),
        card('horizon', s.horizon)),
      el('div', { class: 'charts' },
        chart('Events per second', samples, [
          { name: 'in', value: p => p.eventsIn, format: rate },
          { name: 'out', value: p => p.eventsOut, format: rate }]),
        chart('Alerts per second', samples, severities.map(v => ({ name: v, value: p => (p.alerts || {})[v], format: rate }))),
        chart('Engine queue', samples, [{ name: 'events', value: p => p.queue, format: rate }]),
        chart('Engine lag', samples, [{ name: 'lag', value: p => p.lag, format: millis }]),
        chart('Outbox', samples, [{ name: 'waiting', value: p => p.outbox, format: rate }])),
      el('h3', {}, 'Deliveries by channel'),
      channels.length === 0 ? el('p', {}, 'No channel is configured.') :
        tableOf(['channel', 'sent', 'waiting', 'retried', 'dead letters'], channels.map(([name, c]) => el('tr', {},
          el('td', {}, name), el('td', {}, c.delivered), el('td', {}, c.pending), el('td', {}, c.retried),
          el('td', {}, c.dead)))),
      el('p', { class: 'muted' }, 'Events accepted ' + s.events.accepted + ', rejected ' + s.events.rejected
        + ', late ' + s.events.late + '; alerts raised ' + s.alerts.raised + ', sent ' + s.alerts.sent
        + ', throttled ' + s.alerts.suppressed + '. Updated every 5 s.'));
  };
  await draw();
  const timer = setInterval(() => draw().catch(view.fail), 5000);
  view.onLeave(() => clearInterval(timer));
}

// ------------------------------------------------------------------ alerts

function alertRow(a) {
  const throttled = a.suppressed !== undefined;
  return el('tr', {},
    el('td', {}, link('#alert/' + encodeURIComponent(a.id), a.time)), el('td', {}, a.rule),
    el('td', { class: 'severity-' + a.severity }, a.severity),
    el('td', {}, a.status + (throttled ? ' (throttled)' : '') + (a.shadow ? ' (shadow: not sent)' : '')),
    el('td', {}, keyText(a.key)), el('td', {}, a.message));
}

async function alerts(arg, view) {
  const filter = { rule: '', status: '', severity: '', key: '', text: '' };
  const body = el('tbody', {});
  const count = el('p', { class: 'muted', 'aria-live': 'polite' });
  const liveState = el('p', { id: 'live-state', 'aria-live': 'polite' });
  const list = el('table', {},
    el('thead', {}, el('tr', {}, ...['time', 'rule', 'severity', 'status', 'key', 'message']
      .map(h => el('th', { scope: 'col' }, h)))), body);
  const has = (haystack, needle) => !needle || haystack.toLowerCase().includes(needle.toLowerCase());
  const matches = (a) => (!filter.rule || a.rule === filter.rule)
    && (!filter.status || (filter.status === 'throttled' ? a.suppressed !== undefined
      : filter.status === 'shadow' ? a.shadow === true : a.status === filter.status))
    && (!filter.severity || a.severity === filter.severity)
    && has(keyText(a.key), filter.key)
    && has(JSON.stringify(a), filter.text);
  const known = [];
  const seen = new Set();
  const rules = await json('/api/rules');
  const redraw = () => {
    const shown = known.filter(matches);
    body.replaceChildren(...shown.map(alertRow));
    count.textContent = shown.length + ' of ' + known.length + ' alerts shown';
  };
  const select = (label, key, options) => {
    const id = 'filter-' + key;
    const s = el('select', { id }, el('option', { value: '' }, 'any'), ...options.map(o => el('option', { value: o }, o)));
    s.addEventListener('change', () => { filter[key] = s.value; redraw(); });
    return el('span', {}, el('label', { for: id }, label), s);
  };
  const input = (label, key) => {
    const id = 'filter-' + key;
    const i = el('input', { id, type: 'search' });
    i.addEventListener('input', () => { filter[key] = i.value.trim(); redraw(); });
    return el('span', {}, el('label', { for: id }, label), i);
  };
  view.show(el('h2', {}, 'Alerts'), el('p', { class: 'muted' }, 'Newest first; new alerts appear as they are raised.'),
    el('div', { class: 'filters', role: 'search' },
      select('Rule', 'rule', rules.map(r => r.id)), select('Status', 'status', ['firing', 'resolved', 'throttled', 'shadow']),
      select('Severity', 'severity', SEVERITIES), input('Key', 'key'), input('Text', 'text')),
    liveState, count, list);
  // The live stream first, then the stored history: an alert raised in between is in one or the
  // other (often both: the stream sees it before the store has it), and shown once, by id. The
  // stream is read with fetch, since EventSource cannot send the admin token.
  const abort = new AbortController();
  view.onLeave(() => abort.abort());
  const r = await api('/api/alerts/stream', { headers: { Accept: 'text/event-stream' }, signal: abort.signal });
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let history = null; // null until the history is in; live alerts wait in `early` until then
  const early = [];
  const arrive = (a) => {
    if (history === null) {
      early.push(a);
    } else if (!seen.has(a.id)) {
      seen.add(a.id);
      known.unshift(a);
      redraw();
    }
  };
  let buffer = '';
  let registered = null;
  const greeted = new Promise(resolve => { registered = resolve; });
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      registered(); // the first bytes are the server's greeting: this client is subscribed
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
          if (event === 'suppressed' && a.suppressed === undefined) a.suppressed = 'throttled';
          arrive(a);
        }
      }
    }
  })();
  // The stream normally greets at once; if it ends first, or a proxy holds its first bytes back,
  // the history is read anyway after a moment (an alert raised in that moment may then be missed).
  const live = pump.then(() => 'ended', (e) => e);
  const first = await Promise.race([greeted.then(() => 'greeted'), live,
    new Promise(resolve => setTimeout(() => resolve('slow'), 3000))]);
  live.then((end) => {
    if (!view.live()) return;
    liveState.textContent = end === 'ended' ? 'The live stream closed: reload the page for new alerts.'
      : end && end.name === 'AbortError' ? '' : 'The live stream failed (' + (end && end.message) + '): reload the page.';
    liveState.className = 'bad';
  });
  if (first === 'slow') {
    liveState.textContent = 'The live stream is slow to start; new alerts may come late.';
  }
  history = await json('/api/alerts?limit=500');
  for (const a of history) {
    if (!seen.has(a.id)) {
      seen.add(a.id);
      known.push(a);
    }
  }
  early.forEach(arrive);
  redraw();
}

async function alertPage(id, view) {
  const d = await json('/api/alerts/' + encodeURIComponent(id));
  const a = d.alert;
  const field = (name, value) => [el('dt', {}, name), el('dd', {}, value)];
  const pairs = (o) => o && Object.keys(o).length ? el('dl', { class: 'pairs' },
    ...Object.entries(o).map(([k, v]) => field(k, typeof v === 'string' ? v : JSON.stringify(v)))) : el('p', { class: 'muted' }, 'none');
  const attempts = d.deliveries.flatMap(dl => dl.history.map(h => el('tr', {},
    el('td', {}, dl.channel), el('td', {}, h.attempt), el('td', {}, h.at), el('td', {}, h.result),
    el('td', {}, h.answer))));
  view.show(el('p', {}, link('#alerts', '← Alerts')),
    el('h2', {}, a.title || a.rule),
    el('p', { class: 'message' }, a.message),
    el('dl', { class: 'pairs' },
      field('id', a.id), field('rule', a.rule), field('status', a.status + (a.suppressed ? ' (throttled: ' + a.suppressed + ')' : '')
        + (a.shadow ? ' (shadow rule: stored and shown, never sent)' : '')),
      field('severity', a.severity), field('time', a.time), field('key', keyText(a.key))),
    el('h3', {}, 'Values'), pairs(a.values),
    el('h3', {}, 'Labels'), pairs(a.labels),
    el('h3', {}, 'Deliveries'),
    d.deliveries.length === 0 ? el('p', {}, a.shadow ? 'A shadow alert: never sent.' : a.suppressed
      ? 'Throttled: recorded, not sent.' : 'No channel takes this alert.') :
      tableOf(['channel', 'state', 'attempts', 'last error', 'next attempt', 'delivered'], d.deliveries.map(dl => el('tr', {},
        el('td', {}, dl.channel), el('td', {}, dl.state), el('td', {}, dl.attempts), el('td', {}, dl.lastError),
        el('td', {}, dl.nextAttempt), el('td', {}, dl.deliveredAt)))),
    attempts.length ? tableOf(['channel', 'attempt', 'at', 'result', 'answer'], attempts, 'Every attempt') : null,
    el('h3', {}, 'Events'),
    ...(a.events || []).map(e => el('pre', { class: 'event' }, JSON.stringify(e, null, 2))));
}

// ------------------------------------------------------------------ rules

async function rules(arg, view) {
  const [rs, files] = await Promise.all([json('/api/rules'), json('/api/rule-files')]);
  const toggle = (r) => {
    const id = 'enabled-' + r.id;
    const box = el('input', { id, type: 'checkbox', checked: r.enabled });
    box.addEventListener('change', async () => {
      box.disabled = true;
      try {
        await json('/api/rules/' + encodeURIComponent(r.id), { method: 'PATCH',
          headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ enabled: box.checked }) });
      } catch (e) {
        box.checked = !box.checked;
        fail(e);
      } finally {
        box.disabled = false;
      }
    });
    return el('span', {}, box, el('label', { for: id, class: 'visually-hidden' }, 'enabled: ' + r.id));
  };
  const newName = el('input', { id: 'new-file', placeholder: 'name.rules', pattern: '[A-Za-z0-9_.-]+' });
  view.show(el('h2', {}, 'Rules'),
    tableOf(['rule', 'file', 'kind', 'severity', 'mode', 'enabled', 'matched', 'sent', 'throttled', 'last alert', 'horizon'],
      rs.map(r => el('tr', {},
        el('td', {}, el('span', { title: r.title }, r.id)),
        el('td', {}, link('#file/' + encodeURIComponent(r.file), r.file)),
        el('td', {}, r.kind), el('td', { class: 'severity-' + r.severity }, r.severity), el('td', {}, r.mode),
        el('td', {}, toggle(r)),
        el('td', {}, r.counts.matched), el('td', {}, r.counts.sent), el('td', {}, r.counts.suppressed),
        el('td', {}, r.lastAlertTime || '–'), el('td', {}, r.horizon)))),
    el('h3', {}, 'Rule files'),
    el('ul', {}, ...files.map(f => el('li', {}, link('#file/' + encodeURIComponent(f.name), f.name),
      el('span', { class: 'muted' }, ' version ' + f.version)))),
    el('form', { class: 'filters', onsubmit: (e) => {
      e.preventDefault();
      if (newName.value.trim()) location.hash = '#file/' + encodeURIComponent(newName.value.trim());
    } }, el('label', { for: 'new-file' }, 'New rule file'), newName, el('button', { type: 'submit' }, 'Open editor')));
}

// The longest common subsequence of two line lists, as a unified list of kept, added and removed lines.
function diffLines(a, b) {
  const n = a.length;
  const m = b.length;
  if (n * m > 4e6) {
    return [...a.map(t => ['-', t]), ...b.map(t => ['+', t])];
  }
  const lcs = new Array(n + 1);
  for (let i = 0; i <= n; i++) lcs[i] = new Int32Array(m + 1);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { out.push([' ', a[i]]); i++; j++; }
    else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) { out.push(['-', a[i]]); i++; }
    else { out.push(['+', b[j]]); j++; }
  }
  return out;
}

// The changed lines with two lines of context, in hunks, as `git diff` shows them.
function diffView(running, text) {
  const lines = diffLines(running === null ? [] : running.split('\n'), text.split('\n'));
  if (lines.every(l => l[0] === ' ')) {
    return el('p', { class: 'muted' }, running === null ? 'New file.' : 'Same as the running version.');
  }
  const near = lines.map((l, i) => lines.slice(Math.max(0, i - 2), i + 3).some(x => x[0] !== ' '));
  const out = el('pre', { class: 'diff', 'aria-label': 'Changes against the running version' });
  let gap = false;
  lines.forEach((l, i) => {
    if (!near[i]) { gap = true; return; }
    if (gap) out.append(el('span', { class: 'hunk' }, '…\n'));
    gap = false;
    out.append(el('span', { class: l[0] === '+' ? 'added' : l[0] === '-' ? 'removed' : 'same' }, l[0] + ' ' + l[1] + '\n'));
  });
  return out;
}

const SUGGESTION = /;? ?(did you mean .*)$/;

async function filePage(name, view) {
  const r = await api('/api/rule-files/' + encodeURIComponent(name));
  let running = null;
  if (r.ok) running = await r.text();
  else if (r.status !== 404) throw new Error((await r.json()).error || 'HTTP ' + r.status);
  const editor = el('textarea', { id: 'editor', spellcheck: 'false', rows: 24, wrap: 'off', 'aria-describedby': 'diagnostics-status' });
  editor.value = running === null ? '' : running;
  const gutter = el('pre', { class: 'gutter', 'aria-hidden': 'true' });
  const status = el('p', { id: 'diagnostics-status', 'aria-live': 'polite' });
  const problems = el('ol', { id: 'diagnostics', class: 'diagnostics' });
  const diff = el('div', { id: 'diff' });
  const answer = el('div', { id: 'deploy-answer', 'aria-live': 'polite' });
  const deploy = el('button', { type: 'button', id: 'deploy' }, 'Deploy');
  const backtestWindow = el('select', { id: 'backtest-window' },
    ...[['PT15M', 'last 15 minutes'], ['PT1H', 'last hour'], ['PT6H', 'last 6 hours'], ['PT24H', 'last 24 hours']]
      .map(([v, t]) => el('option', { value: v, selected: v === 'PT1H' }, t)));
  const backtestButton = el('button', { type: 'button', id: 'backtest' }, 'Backtest');
  const backtestAnswer = el('div', { id: 'backtest-answer', 'aria-live': 'polite' });
  backtestButton.addEventListener('click', async () => {
    backtestButton.disabled = true;
    backtestAnswer.replaceChildren(el('p', { class: 'muted' }, 'Running the text and the running version over the journal…'));
    const sent = editor.value;
    try {
      const r = await api('/api/rule-files/validate?name=' + encodeURIComponent(name) + '&backtest='
        + backtestWindow.value, { method: 'POST', headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: sent });
      const body = await r.json();
      if (editor.value !== sent) {
        backtestAnswer.replaceChildren(el('p', { class: 'muted' }, 'The text changed while the backtest ran: run it again.'));
        return;
      }
      if (r.status === 422) {
        backtestAnswer.replaceChildren(el('p', { class: 'bad' }, 'Not run: the text has problems (listed below).'));
        showProblems(body.errors);
        return;
      }
      if (!r.ok) {
        backtestAnswer.replaceChildren(el('p', { class: 'bad' }, 'Not run: ' + (body.error || 'HTTP ' + r.status)));
        return;
      }
      const b = body.backtest;
      backtestAnswer.replaceChildren(...[
        el('p', {}, b.events + ' event' + (b.events === 1 ? '' : 's') + ' from ' + (b.from || '–') + ' to ' + (b.to || '–') + ': this text raises '
          + b.alertsTotal + ' alert' + (b.alertsTotal === 1 ? '' : 's') + '; against the running version '
          + b.totals.added + ' added, ' + b.totals.removed + ' removed, ' + b.totals.unchanged + ' unchanged ('
          + b.millis + ' ms).'),
        b.truncated ? el('p', { class: 'bad' }, 'Stopped early at the ' + (b.truncated === 'events'
          ? 'event limit (' + b.limits.maxEvents + ')' : b.truncated === 'alerts'
          ? 'alert limit (' + b.limits.maxAlerts + ' alerts of one version)' : 'time limit (' + b.limits.timeLimit + ')')
          + '.') : null,
        tableOf(['rule', 'text', 'added', 'removed', 'unchanged', 'throttled (new / running)'], b.rules.map(x => el('tr', {},
          el('td', {}, x.rule), el('td', {}, x.text), el('td', {}, x.added), el('td', {}, x.removed),
          el('td', {}, x.unchanged), el('td', {}, x.suppressed.candidate + ' / ' + x.suppressed.baseline))),
          'Per rule')].filter(n => n !== null));
    } catch (e) {
      backtestAnswer.replaceChildren(el('p', { class: 'bad' }, 'Not run: ' + e.message));
    } finally {
      backtestButton.disabled = false;
    }
  });
  let errorLines = new Set();
  let seq = 0;

  const drawGutter = () => {
    const count = editor.value.split('\n').length;
    editor.rows = Math.min(Math.max(count + 1, 8), 32);
    const numbers = [];
    for (let i = 1; i <= count; i++) {
      numbers.push(el('span', { class: errorLines.has(i) ? 'line error-line' : 'line', 'data-line': i },
        (errorLines.has(i) ? '● ' : '') + i + '\n'));
    }
    gutter.replaceChildren(...numbers);
    gutter.scrollTop = editor.scrollTop;
  };
  const goTo = (line, column) => {
    const lines = editor.value.split('\n');
    let at = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
    at += Math.max(0, column - 1);
    editor.focus();
    editor.setSelectionRange(at, at);
  };
  const showProblems = (errors) => {
    errorLines = new Set(errors.filter(e => e.file === name || !e.file).map(e => e.line));
    problems.replaceChildren(...errors.map(e => {
      const m = SUGGESTION.exec(e.message);
      const message = m ? e.message.slice(0, m.index) : e.message;
      return el('li', { class: 'diagnostic' },
        el('button', { type: 'button', class: 'where', onclick: () => goTo(e.line, e.column) },
          (e.file && e.file !== name ? e.file + ' ' : '') + 'line ' + e.line + ', column ' + e.column),
        ' ', el('span', { class: 'message' }, message),
        m ? el('span', { class: 'suggestion' }, ' (' + m[1] + ')') : null);
    }));
    drawGutter();
  };
  const validate = async () => {
    const mine = ++seq;
    const text = editor.value;
    diff.replaceChildren(el('h3', {}, 'Changes'), diffView(running, text));
    const v = await api('/api/rule-files/validate?name=' + encodeURIComponent(name), { method: 'POST',
      headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text });
    const body = await v.json();
    if (mine !== seq) return; // an older answer, overtaken by more typing
    if (v.ok) {
      status.textContent = 'No problems.';
      status.className = 'ok';
      showProblems([]);
    } else if (v.status === 422) {
      status.textContent = body.errors.length + ' problem' + (body.errors.length === 1 ? '' : 's') + ':';
      status.className = 'bad';
      showProblems(body.errors);
    } else {
      status.textContent = body.error || 'HTTP ' + v.status;
      status.className = 'bad';
    }
  };
  let pending = null;
  editor.addEventListener('input', () => {
    drawGutter();
    answer.replaceChildren(); // a deploy's or a backtest's answer is about the text before this edit
    backtestAnswer.replaceChildren();
    clearTimeout(pending);
    pending = setTimeout(() => validate().catch(fail), 250);
  });
  editor.addEventListener('scroll', () => { gutter.scrollTop = editor.scrollTop; });
  view.onLeave(() => clearTimeout(pending));
  deploy.addEventListener('click', async () => {
    deploy.disabled = true;
    const sent = editor.value;
    try {
      const p = await api('/api/rule-files/' + encodeURIComponent(name), { method: 'PUT',
        headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: sent });
      const body = await p.json();
      if (p.ok) {
        running = sent; // what the server runs now, even if the editor changed meanwhile
        const list = (label, ids) => el('li', {}, label + ': ' + (ids.length ? ids.join(', ') : 'none'));
        answer.replaceChildren(el('p', { class: 'ok' }, 'Deployed as version ' + body.version + '.'),
          el('ul', {}, list('changed', body.changed), list('unchanged', body.unchanged), list('removed', body.removed),
            list('deployed', body.deployed)));
        await validate();
        await drawVersions();
      } else if (p.status === 422) {
        answer.replaceChildren(el('p', { class: 'bad' }, 'Not deployed: the running version is unchanged.'));
        showProblems(body.errors);
      } else {
        answer.replaceChildren(el('p', { class: 'bad' }, 'Not deployed: ' + (body.error || 'HTTP ' + p.status)));
      }
    } catch (e) {
      answer.replaceChildren(el('p', { class: 'bad' }, 'Not deployed: ' + e.message));
    } finally {
      deploy.disabled = false;
    }
  });
  const versions = el('section', { id: 'versions' });
  const drawVersions = async () => {
    const v = await api('/api/rule-files/' + encodeURIComponent(name) + '/versions');
    if (v.status === 404) {
      versions.replaceChildren();
      return;
    }
    const list = await v.json();
    const shown = el('div', { 'aria-live': 'polite' });
    versions.replaceChildren(el('h3', {}, 'Versions'),
      tableOf(['version', 'time', 'who', 'summary', ''], list.slice().reverse().map(x => el('tr', {},
        el('td', {}, x.version + (x.deleted ? ' (deleted)' : '')), el('td', {}, x.time), el('td', {}, x.who),
        el('td', {}, x.summary),
        el('td', {},
          el('button', { type: 'button', onclick: async () => {
            try {
              const d = await api('/api/rule-files/' + encodeURIComponent(name) + '/versions/' + x.version + '/diff');
              const text = await d.text();
              shown.replaceChildren(el('h4', {}, 'Version ' + x.version + ' against the one before'),
                d.ok ? el('pre', { class: 'diff' }, text || 'No change.') : el('p', { class: 'bad' }, 'HTTP ' + d.status));
            } catch (e) {
              shown.replaceChildren(el('p', { class: 'bad' }, 'No diff: ' + e.message));
            }
          } }, 'Diff'), ' ',
          x.deleted ? null : el('button', { type: 'button', class: 'rollback', 'data-version': x.version, onclick: async (ev) => {
            const button = ev.currentTarget;
            if (button.disabled) return;
            button.disabled = true; // one click, one rollback
            try {
            const r = await api('/api/rule-files/' + encodeURIComponent(name) + '/rollback', { method: 'POST',
              headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ version: x.version }) });
            const body = await r.json();
            if (r.ok) {
              running = editor.value = await (await api('/api/rule-files/' + encodeURIComponent(name))).text();
              answer.replaceChildren(el('p', { class: 'ok' }, 'Rolled back to version ' + x.version + ', deployed as version '
                + body.version + '.'), el('ul', {}, el('li', {}, 'changed: ' + (body.changed.join(', ') || 'none')),
                el('li', {}, 'unchanged: ' + (body.unchanged.join(', ') || 'none'))));
              drawGutter();
              await validate();
              await drawVersions();
            } else {
              answer.replaceChildren(el('p', { class: 'bad' }, 'Not rolled back: ' + (body.error
                || (body.errors || []).map(e => e.file + ' line ' + e.line + ': ' + e.message).join('; '))));
            }
            } catch (e) {
              answer.replaceChildren(el('p', { class: 'bad' }, 'Not rolled back: ' + e.message));
            } finally {
              button.disabled = false;
            }
          } }, 'Roll back to this')))), 'Every saved version, newest first'),
      shown);
  };
  view.show(el('p', {}, link('#rules', '← Rules')),
    el('h2', {}, 'Rule file ', el('code', {}, name)),
    el('p', { class: 'muted' }, running === null ? 'A new file: Deploy saves it.' :
      'Checked as you type; Deploy replaces the running version, all or nothing.'),
    el('label', { for: 'editor' }, 'Text of ' + name),
    el('div', { class: 'editor' }, gutter, editor),
    el('div', { class: 'toolbar' }, deploy, ' ', el('label', { for: 'backtest-window' }, 'Backtest window'), ' ',
      backtestWindow, ' ', backtestButton), answer, backtestAnswer, status, problems, diff, versions);
  drawGutter();
  await validate();
  await drawVersions();
}

// ------------------------------------------------------------------ deliveries

async function deliveries(arg, view) {
  const [s, dead] = await Promise.all([json('/api/stats'), json('/api/dead-letters')]);
  const channels = Object.keys(s.channels || {});
  const outboxBody = el('div', {});
  const pick = el('select', { id: 'outbox-channel' }, el('option', { value: '' }, 'every channel'),
    ...channels.map(c => el('option', { value: c }, c)));
  const drawOutbox = async () => {
    const rows = await json('/api/outbox?limit=200' + (pick.value ? '&channel=' + encodeURIComponent(pick.value) : ''));
    outboxBody.replaceChildren(rows.length === 0 ? el('p', {}, 'Nothing waits.') :
      tableOf(['channel', 'alert', 'rule', 'attempts', 'next attempt', 'last error'], rows.map(o => el('tr', {},
        el('td', {}, o.channel), el('td', {}, link('#alert/' + encodeURIComponent(o.alertId), o.alertId)),
        el('td', {}, o.alert && o.alert.rule), el('td', {}, o.attempts), el('td', {}, o.nextAttempt),
        el('td', {}, o.lastError)))));
  };
  pick.addEventListener('change', () => drawOutbox().catch(fail));
  view.show(el('h2', {}, 'Deliveries'),
    channels.length === 0 ? el('p', {}, 'No channel is configured.') :
      tableOf(['channel', 'sent', 'waiting', 'retried', 'dead letters'], channels.map(name => {
        const c = s.channels[name];
        return el('tr', {}, el('td', {}, name), el('td', {}, c.delivered), el('td', {}, c.pending),
          el('td', {}, c.retried), el('td', {}, c.dead));
      })),
    el('h3', {}, 'Outbox'),
    el('div', { class: 'filters' }, el('label', { for: 'outbox-channel' }, 'Channel'), pick),
    outboxBody,
    el('h3', {}, 'Dead letters'),
    dead.length === 0 ? el('p', {}, 'None.') :
      tableOf(['channel', 'alert', 'rule', 'attempts', 'failed at', 'last error', ''], dead.map(d => el('tr', {},
        el('td', {}, d.channel), el('td', {}, link('#alert/' + encodeURIComponent(d.alertId), d.alertId)),
        el('td', {}, d.alert && d.alert.rule), el('td', {}, d.attempts), el('td', {}, d.failedAt),
        el('td', {}, d.lastError),
        el('td', {}, el('button', { type: 'button', onclick: async () => {
          try {
            await json('/api/dead-letters/' + encodeURIComponent(d.id) + '/retry', { method: 'POST' });
            route();
          } catch (e) {
            fail(e);
          }
        } }, 'Retry'))))));
  await drawOutbox();
}

// ------------------------------------------------------------------ tables

async function tables(arg, view) {
  const ts = await json('/api/tables');
  const lookups = ts.map(t => {
    const detail = el('div', { 'aria-live': 'polite' });
    const inputs = t.key.map(k => el('input', { id: 'lookup-' + t.name + '-' + k, 'data-key': k }));
    const form = el('form', { class: 'filters', onsubmit: async (e) => {
      e.preventDefault();
      const query = inputs.map(i => 'key=' + encodeURIComponent(i.value)).join('&');
      try {
        const r = await api('/api/tables/' + encodeURIComponent(t.name) + '?' + query);
        const body = await r.json();
        detail.replaceChildren(r.ok ? el('pre', { class: 'event' }, JSON.stringify(body, null, 2)) :
          el('p', { class: r.status === 404 ? 'muted' : 'bad' }, body.error || 'HTTP ' + r.status));
      } catch (e) {
        detail.replaceChildren(el('p', { class: 'bad' }, 'No answer: ' + e.message));
      }
    } }, ...t.key.flatMap((k, n) => [el('label', { for: inputs[n].id }, k), inputs[n]]),
      el('button', { type: 'submit' }, 'Look up'));
    return el('section', {}, el('h3', {}, 'Look up in ', el('code', {}, t.name)), form, detail);
  });
  view.show(el('h2', {}, 'Tables'), ts.length === 0 ? el('p', {}, 'No rule declares a table.') :
    tableOf(['table', 'rows', 'source', 'last change', 'key'], ts.map(t => el('tr', {},
      el('td', {}, t.name), el('td', {}, t.rows), el('td', {}, t.source), el('td', {}, t.lastChange),
      el('td', {}, t.key.join(', '))))), ...lookups);
}

// ------------------------------------------------------------------ audit

async function audit(arg, view) {
  const entries = await json('/api/audit?limit=500');
  view.show(el('h2', {}, 'Audit log'), el('p', { class: 'muted' }, 'Every change of the rules, newest first.'),
    entries.length === 0 ? el('p', {}, 'No change yet.') :
      tableOf(['time', 'who', 'action', 'target', 'version', 'summary'], entries.map(e => el('tr', {},
        el('td', {}, e.time), el('td', {}, e.who), el('td', {}, e.action),
        el('td', {}, e.target.endsWith('.rules') ? link('#file/' + encodeURIComponent(e.target), e.target) : e.target),
        el('td', {}, e.version === null ? '' : e.version), el('td', {}, e.summary)))));
}

// ------------------------------------------------------------------ routing

const pages = { overview, alerts, rules, deliveries, tables, audit, alert: alertPage, file: filePage };

async function route() {
  const leaving = cleanups;
  cleanups = [];
  leaving.forEach(f => f());
  const view = viewFor(++generation);
  errorBox.hidden = true;
  const hash = (location.hash || '#overview').slice(1);
  const slash = hash.indexOf('/');
  const name = slash < 0 ? hash : hash.slice(0, slash);
  const arg = slash < 0 ? null : decodeURIComponent(hash.slice(slash + 1));
  const open = pages[name] || overview;
  const section = { alert: 'alerts', file: 'rules' }[name] || (pages[name] ? name : 'overview');
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === '#' + section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  try {
    await open(arg, view);
  } catch (e) {
    view.fail(e);
  }
}

window.addEventListener('hashchange', route);
route();

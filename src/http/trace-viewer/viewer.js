// The trace viewer: plain DOM, the same-origin GraphQL API with the cookie session, and the
// traceEvents subscription over graphql-transport-ws. Every value from the server goes in as text.
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var state = { traceId: null, traceStart: null, live: null };

  function csrf() {
    var m = document.cookie.match(/(?:^|; )archaive_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : '';
  }

  function gql(query, variables) {
    return fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() },
      body: JSON.stringify({ query: query, variables: variables || {} })
    }).then(function (r) { return r.json(); }).then(function (body) {
      if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
      return body.data;
    });
  }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === 'text') node.textContent = props[k];
      else if (k === 'className') node.className = props[k];
      else node.setAttribute(k, props[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function when(iso) { return iso ? new Date(iso).toLocaleString() : ''; }
  function ms(n) { return n == null ? '' : n < 1000 ? Math.round(n) + ' ms' : (n / 1000).toFixed(2) + ' s'; }
  function took(trace) { return trace.finishedAt ? ms(Date.parse(trace.finishedAt) - Date.parse(trace.createdAt)) : 'running'; }

  // Signing in and out.

  function show(signedIn, user) {
    $('sign-in').hidden = signedIn;
    $('viewer').hidden = !signedIn;
    $('who').hidden = !signedIn;
    if (signedIn) {
      $('who-name').textContent = 'Signed in as ' + user.username + ' (' + user.role.toLowerCase() + ')';
      loadBatches();
      loadTraces();
    }
  }

  $('sign-in').addEventListener('submit', function (e) {
    e.preventDefault();
    var form = new FormData(e.target);
    $('sign-in-error').textContent = '';
    gql('mutation($i: String!, $p: String!) { signIn(identifier: $i, password: $p) { user { username role } } }', { i: form.get('identifier'), p: form.get('password') })
      .then(function (d) { show(true, d.signIn.user); })
      .catch(function (err) { $('sign-in-error').textContent = err.message; });
  });

  $('sign-out').addEventListener('click', function () {
    stopLive();
    gql('mutation { signOut }').finally(function () { show(false); });
  });

  // Batches and traces.

  function loadBatches() {
    gql('{ batches(last: 20) { nodes { id name stage createdAt } } }').then(function (d) {
      var batches = d.batches.nodes.slice().reverse();
      var body = $('batches').tBodies[0];
      body.replaceChildren.apply(body, batches.map(function (b) {
        var follow = el('button', { type: 'button', text: 'Follow live', 'aria-label': 'Follow batch ' + b.name + ' live' });
        follow.addEventListener('click', function () { startLive(b); });
        var traces = el('button', { type: 'button', text: 'Traces', 'aria-label': 'Traces of batch ' + b.name });
        traces.addEventListener('click', function () { $('filters').elements.batchId.value = b.id; loadTraces(); });
        return el('tr', {}, [el('td', { text: b.name }), el('td', { text: b.stage.toLowerCase() }), el('td', { text: when(b.createdAt) }), el('td', {}, [traces, document.createTextNode(' '), follow])]);
      }));
      var select = $('filters').elements.batchId;
      var chosen = select.value;
      select.replaceChildren.apply(select, [el('option', { value: '', text: 'All batches' })].concat(batches.map(function (b) { return el('option', { value: b.id, text: b.name }); })));
      select.value = chosen;
    }).catch(function (err) { $('traces-error').textContent = err.message; });
  }

  function loadTraces() {
    var f = $('filters').elements;
    $('traces-error').textContent = '';
    gql('query($b: ID, $a: ID) { traces(last: 50, batchId: $b, artefactId: $a) { nodes { id purpose createdAt finishedAt outcome artefact { id name } } } }', { b: f.batchId.value || null, a: f.artefactId.value.trim() || null })
      .then(function (d) {
        var body = $('traces').tBodies[0];
        body.replaceChildren.apply(body, d.traces.nodes.slice().reverse().map(traceRow));
      })
      .catch(function (err) { $('traces-error').textContent = err.message; });
  }

  function traceRow(t) {
    var open = el('button', { type: 'button', text: t.purpose, 'aria-label': 'Open trace ' + t.purpose + (t.artefact ? ' of ' + t.artefact.name : '') });
    open.addEventListener('click', function () { openTrace(t); });
    var row = el('tr', { className: 'selectable', 'data-trace': t.id, 'aria-selected': String(t.id === state.traceId) }, [
      el('td', {}, [open]),
      el('td', { text: t.artefact ? t.artefact.name : '' }),
      el('td', { text: when(t.createdAt) }),
      el('td', { text: took(t) }),
      el('td', { text: t.outcome || 'running' })
    ]);
    row.addEventListener('click', function (e) { if (e.target === row || e.target.tagName === 'TD') openTrace(t); });
    return row;
  }

  $('filters').addEventListener('submit', function (e) { e.preventDefault(); loadTraces(); });

  // One trace as a waterfall: each report's bar ends when it was written and starts its duration before.

  var REPORTS = 'query($t: ID!, $after: String) { node(id: $t) { ... on Trace { id purpose createdAt finishedAt outcome artefact { name } reports(first: 100, after: $after) { nodes { source message level workerId at durationMs data } pageInfo { hasNextPage endCursor } } } } }';
  var LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
  function shown(report) { return LEVELS.indexOf(report.level) >= LEVELS.indexOf($('level').value); }

  function openTrace(t) {
    state.traceId = t.id;
    state.traceStart = Date.parse(t.createdAt);
    Array.prototype.forEach.call(document.querySelectorAll('#traces tr[data-trace]'), function (r) { r.setAttribute('aria-selected', String(r.getAttribute('data-trace') === t.id)); });
    $('trace').hidden = false;
    $('trace-title').textContent = t.purpose + (t.artefact ? ': ' + t.artefact.name : '');
    var body = $('waterfall').tBodies[0];
    body.replaceChildren();
    var reports = [];
    var page = function (after) {
      return gql(REPORTS, { t: t.id, after: after }).then(function (d) {
        var trace = d.node;
        $('trace-summary').textContent = 'Started ' + when(trace.createdAt) + ' · ' + took(trace) + ' · outcome: ' + (trace.outcome || 'running');
        reports = reports.concat(trace.reports.nodes);
        return trace.reports.pageInfo.hasNextPage ? page(trace.reports.pageInfo.endCursor) : reports;
      });
    };
    page(null).then(function (all) {
      var end = Math.max.apply(null, [state.traceStart + 1].concat(all.map(function (r) { return Date.parse(r.at); })));
      all.filter(shown).forEach(function (r) { body.appendChild(reportRow(r, end)); });
    }).catch(function (err) { $('trace-summary').textContent = err.message; });
  }

  function reportRow(r, end) {
    var finished = Date.parse(r.at);
    var span = Math.max(1, end - state.traceStart);
    var started = finished - (r.durationMs || 0);
    var left = Math.max(0, (started - state.traceStart) / span) * 100;
    var width = Math.min(100 - left, ((r.durationMs || 0) / span) * 100);
    var level = r.level.toLowerCase();
    var bar = el('div', { className: 'bar level-' + level + (r.workerId === 0 ? ' main' : ''), style: 'left:' + left.toFixed(2) + '%;width:' + width.toFixed(2) + '%', title: r.source + ' ' + ms(r.durationMs) });
    var message = el('td', { text: r.message });
    if (r.data) message.appendChild(el('details', {}, [el('summary', { text: 'data' }), el('pre', { text: JSON.stringify(r.data, null, 2) })]));
    return el('tr', { className: 'report' }, [
      el('td', { text: r.source }),
      message,
      el('td', { className: 'level-' + level, text: level }),
      el('td', { className: 'nowrap', text: r.workerId === 0 ? 'main' : 'worker ' + r.workerId }),
      el('td', { className: 'nowrap', text: ms(r.durationMs) }),
      el('td', {}, [el('div', { className: 'track', role: 'img', 'aria-label': ms(r.durationMs) + ' ending ' + ms(finished - state.traceStart) + ' into the run' }, [bar])])
    ]);
  }

  $('level').addEventListener('change', function () {
    var row = document.querySelector('#traces tr[aria-selected="true"] button');
    if (row) row.click();
  });

  // Live mode: the traceEvents subscription over graphql-transport-ws, authenticated by the cookie.
  // After a dropped connection it subscribes again with afterSeq, so nothing is missed or repeated.

  var LIVE = 'subscription($b: ID!, $after: Int) { traceEvents(batchId: $b, afterSeq: $after) { seq kind replayed at trace { id purpose createdAt finishedAt outcome artefact { id name } } report { source message level workerId at durationMs data } } }';

  function startLive(batch) {
    stopLive();
    var live = { batch: batch, lastSeq: 0, socket: null, stopped: false };
    state.live = live;
    $('live').hidden = false;
    $('live-batch').textContent = batch.name;
    $('live-log').replaceChildren();
    connect(live);
  }

  function connect(live) {
    var socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql', 'graphql-transport-ws');
    live.socket = socket;
    $('live-status').textContent = 'Connecting…';
    socket.onopen = function () { socket.send(JSON.stringify({ type: 'connection_init', payload: {} })); };
    socket.onmessage = function (m) {
      var msg = JSON.parse(m.data);
      if (msg.type === 'connection_ack') socket.send(JSON.stringify({ id: 'live', type: 'subscribe', payload: { query: LIVE, variables: { b: live.batch.id, after: live.lastSeq } } }));
      else if (msg.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      else if (msg.type === 'next' && msg.payload.errors) $('live-status').textContent = msg.payload.errors[0].message;
      else if (msg.type === 'next') onEvent(live, msg.payload.data.traceEvents);
      else if (msg.type === 'error') $('live-status').textContent = msg.payload[0].message;
    };
    socket.onclose = function (e) {
      if (live.stopped || state.live !== live) return;
      // 4401/4403: the session ended or was refused; anything else is worth another try.
      if (e.code === 4401 || e.code === 4403) { $('live-status').textContent = 'Signed out: sign in again to follow the batch.'; return; }
      $('live-status').textContent = 'Connection lost after event ' + live.lastSeq + '; reconnecting…';
      setTimeout(function () { if (!live.stopped) connect(live); }, 1000);
    };
  }

  function onEvent(live, e) {
    if (e.kind === 'SNAPSHOT') {
      $('live-status').textContent = 'Following: up to event ' + e.seq + ' stored, new events appear below.';
      return;
    }
    if (e.seq <= live.lastSeq) return;
    live.lastSeq = e.seq;
    var what = e.kind === 'REPORT'
      ? e.report.level.toLowerCase() + ' ' + e.report.source + ': ' + e.report.message + (e.report.durationMs == null ? '' : ' (' + ms(e.report.durationMs) + ', ' + (e.report.workerId === 0 ? 'main' : 'worker ' + e.report.workerId) + ')')
      : e.kind === 'TRACE_STARTED' ? 'started ' + e.trace.purpose : 'finished ' + e.trace.purpose + ': ' + e.trace.outcome;
    var subject = e.trace && e.trace.artefact ? e.trace.artefact.name + ' · ' : '';
    var item = el('li', { value: String(e.seq), className: 'live-event' + (e.report ? ' level-' + e.report.level.toLowerCase() : ''), 'data-kind': e.kind, text: subject + what });
    $('live-log').appendChild(item);
    item.scrollIntoView({ block: 'nearest' });
    if (e.kind === 'REPORT' && e.trace.id === state.traceId && shown(e.report)) {
      $('waterfall').tBodies[0].appendChild(reportRow(e.report, Math.max(Date.now(), Date.parse(e.report.at))));
    }
    if (e.kind !== 'REPORT' && !e.replayed) {
      loadBatches();
      loadTraces();
    }
  }

  function stopLive() {
    if (!state.live) return;
    state.live.stopped = true;
    if (state.live.socket) state.live.socket.close(1000);
    state.live = null;
    $('live').hidden = true;
  }

  $('live-stop').addEventListener('click', stopLive);

  // Signed in already (the cookie session)?
  gql('{ me { username role } }').then(function (d) { show(Boolean(d.me), d.me); }).catch(function () { show(false); });
})();

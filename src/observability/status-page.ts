/**
 * The live status page served at `/status` on the monitoring endpoint: a static HTML shell, a
 * stylesheet and a script that reads `/status.json` every second and redraws the tables (and,
 * in Redis mode, `/cluster.json` every two seconds: every live host on the queue). All
 * text reaches the page through `textContent` (never as markup), so a fault reason or a task type
 * cannot inject anything; the Content-Security-Policy allows only these same-origin files.
 */

export const STATUS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>browser-actor status</title>
<link rel="stylesheet" href="/status.css">
<noscript><meta http-equiv="refresh" content="5;url=/status.json"></noscript>
<script src="/status.js" defer></script>
</head>
<body>
<h1>browser-actor status</h1>
<p id="summary">Loading…</p>
<p id="problem" hidden></p>
<p id="redis" hidden></p>
<p id="batch" hidden></p>
<section id="actors-section" hidden>
<h2>Actors (supervised browsers in this process)</h2>
<table id="actors">
<thead><tr><th>Actor</th><th>State</th><th>Up</th><th>Restarts</th><th>Recycles</th><th>Lanes busy</th><th>Queue</th><th>In flight</th><th>Last fault</th><th>Tasks, last minute</th><th>Tasks/s</th></tr></thead>
<tbody></tbody>
</table>
</section>
<div id="dispatchers"></div>
<section id="queues-section" hidden>
<h2>Queues (tasks sent to worker hosts on other machines)</h2>
<table id="queues">
<thead><tr><th>Queue</th><th>State</th><th>Waiting for answers</th><th>Last fault</th><th>Tasks, last minute</th><th>Tasks/s</th></tr></thead>
<tbody></tbody>
</table>
</section>
<section id="cluster-section" hidden>
<h2>Cluster (every live worker host on this Redis queue, read from Redis)</h2>
<p id="cluster-summary"></p>
<table id="cluster">
<thead><tr><th>Host</th><th>Version</th><th>Machine</th><th>Workers × lanes</th><th>In flight</th><th>Queued for its sessions</th><th>Answered</th><th>Answered, last minute</th><th>Restarts</th><th>Last heartbeat</th></tr></thead>
<tbody></tbody>
</table>
</section>
<p class="note">Refreshes every second. Machine-readable: <a href="/status.json">/status.json</a>; in Redis mode, the cluster's <a href="/cluster.json">/cluster.json</a>; Prometheus: <a href="/metrics">/metrics</a>.</p>
</body>
</html>
`;

export const STATUS_CSS = `body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .3em; }
h2 { font-size: 1.05em; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.state-healthy, .state-ready { color: #11691b; }
.state-degraded, .state-restarting, .state-starting { color: #9a5b00; }
.state-failed, .state-stopped, .state-stopping { color: #a11; }
#problem { background: #fde8e8; border: 1px solid #e3a0a0; padding: .4em .7em; }
.note { color: #666; margin-top: 1.5em; }
`;

export const STATUS_JS = `'use strict';
(function () {
  function duration(ms) {
    if (ms === null || ms === undefined) return '';
    var s = Math.round(ms / 1000);
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + (s % 60) + ' s';
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }
  function faultText(f) {
    return f ? f.kind + ', ' + duration(f.agoMs) + ' ago: ' + f.reason : 'none';
  }
  function runningText(list) {
    if (!list.length) return 'idle';
    return list.map(function (t) { return t.type + (t.lane === undefined ? '' : ' on lane ' + t.lane) + ' for ' + duration(t.forMs) + ' (' + t.taskId + ')'; }).join('; ');
  }
  function row(attr, key, cells) {
    var tr = document.createElement('tr');
    tr.setAttribute(attr, String(key));
    cells.forEach(function (c) {
      var td = document.createElement('td');
      td.setAttribute('data-field', c[0]);
      td.textContent = String(c[1]);
      if (typeof c[1] === 'number') td.className = 'num';
      if (c[0] === 'state') td.className = 'state-' + c[1];
      tr.appendChild(td);
    });
    return tr;
  }
  function el(tag, text) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function render(s) {
    document.getElementById('summary').textContent = 'Process ' + s.process.pid + ', up ' + duration(s.process.uptimeMs) + ', RSS ' + Math.round(s.process.rssBytes / 1048576) + ' MB. Updated ' + new Date(s.at).toLocaleTimeString() + '.';
    var batch = document.getElementById('batch');
    batch.hidden = !s.batch;
    if (s.batch) batch.textContent = 'Batch: ' + s.batch.done + ' of ' + s.batch.total + ' done' + (s.batch.failed > 0 ? ' (' + s.batch.failed + ' failed)' : '') + '.';
    var redis = document.getElementById('redis');
    redis.hidden = !s.redis;
    if (s.redis) {
      redis.textContent = s.redis.state === 'connected' ? 'redis: connected' : 'redis: unreachable since ' + new Date(s.redis.since).toLocaleTimeString() + (s.redis.reason ? ' (' + s.redis.reason + ')' : '');
      redis.setAttribute('data-state', s.redis.state);
    }
    var section = document.getElementById('actors-section');
    section.hidden = s.actors.length === 0;
    document.querySelector('#actors tbody').replaceChildren.apply(document.querySelector('#actors tbody'), s.actors.map(function (a) {
      return row('data-actor', a.id, [
        ['id', a.id], ['state', a.state + (a.restartInMs === null ? '' : ' (restart in ' + duration(a.restartInMs) + ')')], ['uptime', duration(a.uptimeMs)],
        ['restarts', a.restarts], ['recycles', a.recycles], ['lanes', a.lanesBusy + '/' + a.lanes], ['queue', a.queueDepth], ['running', runningText(a.running)],
        ['lastFault', faultText(a.lastFault)], ['lastMinute', a.throughput.lastMinute], ['perSecond', a.throughput.perSecond],
      ]);
    }));
    var box = document.getElementById('dispatchers');
    box.replaceChildren.apply(box, s.dispatchers.map(function (d) {
      var div = el('section');
      div.setAttribute('data-dispatcher', d.id);
      div.appendChild(el('h2', 'Dispatcher ' + d.id + ': workers (one browser each)'));
      div.appendChild(el('p', 'Queued ' + d.queued + ' (by priority: ' + d.queuedByPriority.join(', ') + '), deferred ' + d.deferred + ', in flight ' + d.inFlight + ', ' + d.throughput.lastMinute + ' tasks in the last minute (' + d.throughput.perSecond + '/s).'));
      var table = el('table');
      var head = el('tr');
      ['Worker', 'Pid', 'State', 'Up', 'Restarts', 'Browser', 'Lanes busy', 'Queue', 'In flight', 'Last fault', 'Tasks, last minute', 'Tasks/s'].forEach(function (h) { head.appendChild(el('th', h)); });
      var thead = el('thead');
      thead.appendChild(head);
      table.appendChild(thead);
      var body = el('tbody');
      d.workers.forEach(function (w) {
        body.appendChild(row('data-worker', w.index, [
          ['index', w.index], ['pid', w.pid === null ? '' : w.pid], ['state', w.state], ['uptime', duration(w.uptimeMs)], ['restarts', w.restarts],
          ['browser', (w.browserState || 'unknown') + ', ' + w.browserRestarts + ' restart(s)' + (w.browserRecycles > 0 ? ', ' + w.browserRecycles + ' recycled' : '')], ['lanes', w.lanesBusy + '/' + w.lanes], ['queue', w.queueDepth],
          ['running', runningText(w.running)], ['lastFault', faultText(w.lastFault)], ['lastMinute', w.throughput.lastMinute], ['perSecond', w.throughput.perSecond],
        ]));
      });
      table.appendChild(body);
      div.appendChild(table);
      return div;
    }));
  }
  function renderQueues(s) {
    var queues = s.queues || [];
    document.getElementById('queues-section').hidden = queues.length === 0;
    var tbody = document.querySelector('#queues tbody');
    tbody.replaceChildren.apply(tbody, queues.map(function (q) {
      return row('data-queue', q.id, [
        ['id', q.id], ['state', q.state], ['inFlight', q.inFlight], ['lastFault', q.lastFault ? q.lastFault.kind + ': ' + q.lastFault.reason : ''],
        ['lastMinute', q.throughput.lastMinute], ['perSecond', q.throughput.perSecond],
      ]);
    }));
  }
  function renderCluster(c) {
    var section = document.getElementById('cluster-section');
    section.hidden = !c;
    if (!c) return;
    if (c.error) {
      document.getElementById('cluster-summary').textContent = 'Redis did not answer: ' + c.error;
      return;
    }
    document.getElementById('cluster-summary').textContent = 'Queue ' + c.queue + ': ' + c.hosts.length + ' live host(s), ' + c.queued + ' waiting (by priority 0–9: ' + c.queuedByPriority.join(', ') + '), ' + c.active + ' running, ' + c.servedLastMinute + ' answered in the last minute. Read ' + new Date(c.at).toLocaleTimeString() + '.';
    var tbody = document.querySelector('#cluster tbody');
    tbody.replaceChildren.apply(tbody, c.hosts.map(function (h) {
      var known = function (v) { return v === undefined || v === null ? '?' : v; };
      return row('data-host', h.id, [
        ['id', h.id], ['version', known(h.version)], ['machine', h.hostname === undefined ? '?' : h.hostname + ' (pid ' + known(h.pid) + ')'], ['lanes', known(h.workers) + ' × ' + known(h.lanes)],
        ['inFlight', known(h.inFlight)], ['queued', h.queued], ['served', known(h.served)], ['lastMinute', known(h.servedLastMinute)], ['restarts', known(h.restarts)],
        ['heartbeat', h.heartbeatAgoMs === null ? 'unknown' : duration(h.heartbeatAgoMs) + ' ago'],
      ]);
    }));
  }
  var clusterNext = 0;
  function refreshCluster(s) {
    if (!s.redis) { renderCluster(null); return; }
    if (Date.now() < clusterNext) return;
    clusterNext = Date.now() + 2000;
    fetch('/cluster.json', { cache: 'no-store' })
      .then(function (res) { return res.json(); })
      .then(renderCluster, function (e) { renderCluster({ error: e.message }); });
  }
  function problem(text) {
    var p = document.getElementById('problem');
    p.textContent = text;
    p.hidden = text === '';
  }
  function refresh() {
    fetch('/status.json', { cache: 'no-store' })
      .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json(); })
      .then(function (s) { render(s); renderQueues(s); refreshCluster(s); problem(''); document.body.setAttribute('data-updated', s.at); })
      .catch(function (e) { problem('The job does not answer (' + e.message + '): it may have ended. Retrying every second.'); })
      .then(function () { setTimeout(refresh, 1000); });
  }
  refresh();
})();
`;

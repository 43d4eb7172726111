// The sync view: polls the JSON API every 1.5 s and redraws figures, the current search, the selected job and the
// not-in-sync list. Data is only ever written with textContent, never as HTML.
(function () {
  'use strict';
  const api = '/dashboard/api';
  const pollMs = 1500;
  const $ = id => document.getElementById(id);
  const placeholders = { uid: 'job UID (metadata.uid)', owner: "user id (the owner's UUID, spec.user)" };
  let search = null;   // the last submitted search, as query parameters
  let selected = null; // the UID shown in the detail panel

  async function getJson(path) {
    const response = await fetch(api + path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (response.status === 401) {
      window.location.href = '/dashboard/login?returnUrl=' + encodeURIComponent(window.location.pathname + window.location.hash);
      throw new Error('not logged in');
    }
    if (!response.ok && response.status !== 404) throw new Error(path + ': HTTP ' + response.status);
    return response.status === 404 ? null : response.json();
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text == null || text === '' ? '–' : String(text);
    if (className) td.className = className;
    return td;
  }

  function badge(td, text, kind) {
    td.textContent = '';
    const span = document.createElement('span');
    span.className = 'badge ' + (kind || '');
    span.textContent = text;
    td.appendChild(span);
  }

  const time = iso => iso ? new Date(iso).toISOString().replace('T', ' ').replace('Z', ' UTC') : '–';
  const ms = v => v == null ? '–' : (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v)) + ' ms';
  const stateKind = s => s === 'Complete' ? 'ok' : s === 'Error' ? 'bad' : '';

  function reasonBadge(td, job) {
    const reason = job.lastReason || 'none yet';
    badge(td, reason, job.isInSync === false || job.inSync === false ? 'bad' : (job.lastReason ? 'ok' : ''));
  }

  function fillTable(tableId, emptyId, jobs, columns) {
    const body = $(tableId).tBodies[0];
    body.textContent = '';
    for (const job of jobs) {
      const row = body.insertRow();
      row.dataset.uid = job.uid;
      row.className = 'clickable' + (job.uid === selected ? ' selected' : '');
      row.addEventListener('click', () => select(job.uid));
      columns(row, job);
    }
    $(emptyId).classList.toggle('hidden', jobs.length > 0);
  }

  function searchColumns(row, job) {
    cell(row, job.uid, 'mono');
    cell(row, (job.namespace || '–') + ' / ' + (job.name || '–'));
    cell(row, job.owner, 'mono');
    badge(row.insertCell(), job.persistedState || 'not written', stateKind(job.persistedState));
    reasonBadge(row.insertCell(), job);
    cell(row, job.revision);
    cell(row, time(job.updatedAt));
  }

  function unsyncedColumns(row, job) {
    cell(row, job.uid, 'mono');
    cell(row, (job.namespace || '–') + ' / ' + (job.name || '–'));
    cell(row, job.owner, 'mono');
    badge(row.insertCell(), job.lastReason || 'unknown', 'bad');
    cell(row, job.lastError, 'error-text');
    cell(row, time(job.updatedAt));
  }

  async function refreshFigures() {
    const f = await getJson('/figures');
    const c = f.cluster;
    $('figures-scope').textContent = f.silos.length + ' silos, last ' + Math.round(c.windowSeconds) + ' s';
    $('fig-rate').textContent = c.transitionsPerSecond.toFixed(2) + ' /s';
    $('fig-db').textContent = ms(c.databaseP50Ms) + ' / ' + ms(c.databaseP99Ms);
    $('fig-lag').textContent = ms(c.lagP50Ms) + ' / ' + ms(c.lagP99Ms);
    $('fig-retries').textContent = String(c.retries);
    $('fig-errors').textContent = String(c.errors);
    $('fig-error-reasons').textContent = Object.entries(c.errorsByReason).map(([k, v]) => k + ' ' + v).join(', ');
    const body = $('silo-figures').tBodies[0];
    body.textContent = '';
    for (const s of f.silos) {
      const row = body.insertRow();
      cell(row, s.silo, 'mono');
      cell(row, s.transitions + ' (' + s.transitionsPerSecond.toFixed(2) + ' /s)');
      cell(row, ms(s.databaseP50Ms) + ' / ' + ms(s.databaseP99Ms));
      cell(row, ms(s.lagP50Ms) + ' / ' + ms(s.lagP99Ms));
      cell(row, s.retries);
      cell(row, s.errors);
    }
    $('silos-unreachable').textContent = f.unreachable.length ? 'not answering: ' + f.unreachable.join(', ') : '';
    $('silos-unreachable').classList.toggle('hidden', f.unreachable.length === 0);
  }

  async function refreshSearch() {
    if (!search) return;
    const page = await getJson('/jobs?' + search.toString());
    fillTable('results', 'results-empty', page.jobs, searchColumns);
    $('results-empty').textContent = 'No job matches.';
    $('search-summary').textContent = page.jobs.length + (page.next ? '+' : '') + ' found';
  }

  async function refreshUnsynced() {
    const page = await getJson('/jobs?notInSync=true&limit=200');
    fillTable('unsynced', 'unsynced-empty', page.jobs, unsyncedColumns);
    $('unsynced-count').textContent = page.jobs.length + (page.next ? '+' : '') + ' jobs';
  }

  async function refreshDetail() {
    if (!selected) return;
    const job = await getJson('/jobs/' + encodeURIComponent(selected));
    if (!job) return;
    $('detail').classList.remove('hidden');
    $('detail-uid').textContent = job.uid;
    const sync = $('detail-sync');
    sync.textContent = '';
    const b = document.createElement('span');
    b.className = 'badge ' + (job.inSync ? 'ok' : 'bad');
    b.textContent = job.inSync ? 'in sync' : 'not in sync';
    sync.appendChild(b);
    badge($('detail-state'), job.persistedState || 'not written', stateKind(job.persistedState));
    $('detail-observed').textContent = job.observedState === '' ? '"" (New)' : (job.observedState ?? '–');
    $('detail-name').textContent = (job.namespace || '–') + ' / ' + (job.name || '–');
    $('detail-owner').textContent = job.owner || '–';
    $('detail-revision').textContent = String(job.revision);
    $('detail-silo').textContent = job.silo || '–';
    badge($('detail-reason'), job.lastReason || 'none yet', job.inSync ? 'ok' : 'bad');
    $('detail-error').textContent = job.lastError || '–';
    $('detail-error').className = job.lastError ? 'error-text' : '';
    $('detail-entry').textContent = job.removedByOwner ? 'removed by its owner (never written again)' : job.entryCreated ? 'in the owner\'s document' : 'not created';
    $('detail-deleted').textContent = job.deleted ? 'deleted from the cluster' : 'live';
    const body = $('timeline').tBodies[0];
    body.textContent = '';
    for (const t of job.timeline) {
      const row = body.insertRow();
      badge(row.insertCell(), t.state, stateKind(t.state));
      cell(row, t.revision);
      cell(row, time(t.observedAt));
      cell(row, time(t.persistedAt));
      cell(row, ms(t.lagMs));
    }
    $('timeline-empty').classList.toggle('hidden', job.timeline.length > 0);
  }

  async function refresh() {
    const results = await Promise.allSettled([refreshFigures(), refreshSearch(), refreshUnsynced(), refreshDetail()]);
    const failed = results.filter(r => r.status === 'rejected');
    $('status').textContent = failed.length
      ? 'update failed: ' + failed[0].reason.message
      : 'live, updated ' + new Date().toLocaleTimeString();
  }

  function select(uid) {
    selected = uid;
    document.querySelectorAll('tr.selected').forEach(r => r.classList.remove('selected'));
    document.querySelectorAll('tr[data-uid="' + CSS.escape(uid) + '"]').forEach(r => r.classList.add('selected'));
    refreshDetail().catch(e => { $('status').textContent = 'update failed: ' + e.message; });
  }

  function showMode() {
    const mode = $('mode').value;
    $('q').classList.toggle('hidden', mode === 'name');
    $('ns').classList.toggle('hidden', mode !== 'name');
    $('name').classList.toggle('hidden', mode !== 'name');
    if (mode !== 'name') $('q').placeholder = placeholders[mode];
  }

  $('mode').addEventListener('change', showMode);
  // Runs a search; the hash (#uid=…, #owner=…, #namespace=…&name=…) keeps it, so a search is a link to share.
  function runSearch(mode, params) {
    search = new URLSearchParams(params);
    search.set('limit', '100');
    history.replaceState(null, '', '#' + new URLSearchParams(params).toString());
    refreshSearch().then(() => {
      // A search by UID opens that job at once.
      if (mode === 'uid' && $('results').tBodies[0].rows.length === 1) select(params.uid);
    }).catch(e => { $('status').textContent = 'search failed: ' + e.message; });
  }

  $('search').addEventListener('submit', event => {
    event.preventDefault();
    const mode = $('mode').value;
    if (mode === 'uid') runSearch(mode, { uid: $('q').value.trim() });
    if (mode === 'owner') runSearch(mode, { owner: $('q').value.trim() });
    if (mode === 'name') runSearch(mode, { namespace: $('ns').value.trim(), name: $('name').value.trim() });
  });

  function searchFromHash() {
    const hash = new URLSearchParams(window.location.hash.slice(1));
    if (hash.get('uid')) { $('mode').value = 'uid'; $('q').value = hash.get('uid'); }
    else if (hash.get('owner')) { $('mode').value = 'owner'; $('q').value = hash.get('owner'); }
    else if (hash.get('namespace') || hash.get('name')) {
      $('mode').value = 'name'; $('ns').value = hash.get('namespace') || ''; $('name').value = hash.get('name') || '';
    } else return;
    showMode();
    $('search').requestSubmit();
  }

  showMode();
  searchFromHash();
  refresh();
  setInterval(refresh, pollMs);
})();

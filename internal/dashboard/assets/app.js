// The dashboard: a few views over /dashboard/api, refreshed every second without reloading.
"use strict";

const view = document.getElementById("view");
const statusEl = document.getElementById("status");
let timer = null;

function token() {
  const fromURL = new URLSearchParams(location.search).get("token");
  if (fromURL) sessionStorage.setItem("token", fromURL);
  return sessionStorage.getItem("token") || "";
}

async function api(path) {
  const headers = token() ? { Authorization: "Bearer " + token() } : {};
  const res = await fetch("api/" + path, { headers, cache: "no-store" });
  if (res.status === 401) {
    const t = prompt("Dashboard token");
    if (t) { sessionStorage.setItem("token", t); return api(path); }
  }
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error || res.statusText);
  return res.json();
}

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const num = (n, d = 1) => Number(n || 0).toFixed(d);

function card(label, value, id) {
  return `<div class="card"><span>${esc(label)}</span><b data-testid="${id}">${esc(value)}</b></div>`;
}

function grainTable(rows, testid) {
  if (!rows.length) return `<p data-testid="${testid}-empty">No grains.</p>`;
  return `<table data-testid="${testid}"><tr><th>Job</th><th>UID</th><th>User</th><th>State</th><th>Outcome</th><th>Member</th></tr>` +
    rows.map((g) => `<tr data-testid="grain-row" data-uid="${esc(g.uid)}">
      <td>${esc(g.namespace)}/${esc(g.name)}</td>
      <td><a href="#/grain/${encodeURIComponent(g.uid)}" data-testid="grain-link"><code>${esc(g.uid)}</code></a></td>
      <td><code>${esc(g.owner)}</code></td><td>${esc(g.state)}</td>
      <td class="${g.in_sync ? "ok" : "bad"}">${esc(g.outcome)}${g.last_error ? ": " + esc(g.last_error) : ""}</td>
      <td>${esc(g.member)}</td></tr>`).join("") + `</table>`;
}

const views = {
  async overview() {
    const o = await api("overview");
    const t = o.totals;
    return `<div class="cards">
      ${card("Members", t.members, "total-members")}${card("Active grains", t.grains, "total-grains")}
      ${card("Persisted / s", num(t.persistedPerSec), "total-rate")}${card("DB p50 / p99 ms", num(t.dbP50Ms) + " / " + num(t.dbP99Ms), "total-db")}
      ${card("Sync lag p50 / p99 ms", num(t.lagP50Ms) + " / " + num(t.lagP99Ms), "total-lag")}
      ${card("Retries", t.retries, "total-retries")}${card("Errors", t.errors, "total-errors")}${card("Not in sync", t.unsynced, "total-unsynced")}
    </div>
    <table data-testid="members"><tr><th>Member</th><th>Grains</th><th>Persisted / s</th><th>Persisted</th><th>DB p50 / p99 ms</th><th>Lag p50 / p99 ms</th><th>Retries</th><th>Errors</th></tr>
    ${o.members.map((m) => `<tr data-testid="member-row" data-address="${esc(m.address)}">
      <td>${esc(m.address)}${m.error ? ` <span class="bad">${esc(m.error)}</span>` : ""}</td>
      <td data-testid="member-grains">${m.grains}</td><td>${num(m.persistedPerSec)}</td><td>${m.persistedTotal}</td>
      <td>${num(m.dbP50Ms)} / ${num(m.dbP99Ms)}</td><td>${num(m.lagP50Ms)} / ${num(m.lagP99Ms)}</td>
      <td>${m.retries}</td><td>${m.errors}</td></tr>`).join("")}</table>
    <p>Served by <code>${esc(o.servedBy)}</code>.</p>`;
  },
  async grains(query) {
    const q = query.get("q") || "";
    const rows = await api("grains?q=" + encodeURIComponent(q));
    return `<input type="search" data-testid="search" placeholder="job UID, user, namespace/name or state" value="${esc(q)}">
      <p data-testid="grain-count">${rows.length} grains</p>${grainTable(rows, "grains")}`;
  },
  async unsynced() {
    return `<h2>Jobs not in sync</h2>` + grainTable(await api("unsynced"), "unsynced");
  },
  async grain(_, uid) {
    const g = await api("grains/" + encodeURIComponent(uid));
    return `<h2 data-testid="grain-title">${esc(g.namespace)}/${esc(g.name)}</h2>
      <div class="cards">${card("State", g.state || "(no entry)", "grain-state")}${card("Observed", g.observedState, "grain-observed")}
      ${card("Member", g.member, "grain-member")}${card("Revision", g.syncRev, "grain-rev")}${card("Calls", g.calls, "grain-calls")}</div>
      <p>UID <code>${esc(g.uid)}</code>, user <code>${esc(g.owner)}</code>, entry #${g.entryIndex}${g.entryRemoved ? ", removed by the owner" : ""}; active since ${esc(g.activatedAt)}.</p>
      <p data-testid="grain-error">${g.lastError ? `<span class="bad">Last error (${esc(g.lastErrorAt)}): ${esc(g.lastError)}</span>` : "No errors."}</p>
      <h3>Persisted transitions</h3>
      <table data-testid="timeline"><tr><th>State</th><th>At</th><th>Revision</th><th>Lag ms</th></tr>
      ${(g.timeline || []).map((t) => `<tr data-testid="timeline-row"><td>${esc(t.state)}</td><td>${esc(t.at)}</td><td>${t.syncRev}</td><td>${num(t.lagMs, 2)}</td></tr>`).join("")}</table>`;
  },
};

async function render() {
  const [path, qs] = (location.hash.slice(1) || "/").split("?");
  const parts = path.split("/").filter(Boolean);
  const name = parts[0] || "overview";
  const query = new URLSearchParams(qs || "");
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.getAttribute("href") === "#/" + (parts[0] || "")));
  try {
    const html = await (views[name] || views.overview)(query, decodeURIComponent(parts[1] || ""));
    const focused = document.activeElement && document.activeElement.dataset.testid === "search";
    view.innerHTML = html;
    const search = view.querySelector("[data-testid=search]");
    if (search) {
      search.addEventListener("change", () => { location.hash = "#/grains?q=" + encodeURIComponent(search.value); });
      if (focused) search.focus();
    }
    statusEl.textContent = "live · updated " + new Date().toLocaleTimeString();
  } catch (e) {
    statusEl.textContent = "error: " + e.message;
  }
}

function schedule() {
  clearInterval(timer);
  render();
  timer = setInterval(() => {
    if (document.activeElement && document.activeElement.dataset.testid === "search") return; // don't clobber typing
    render();
  }, 1000);
}

window.addEventListener("hashchange", schedule);
schedule();

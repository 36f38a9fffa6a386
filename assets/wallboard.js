// frontdesk wallboard: the figures arrive over Server-Sent Events whenever they change; the clocks
// (longest wait, time in state) tick here between two updates.
"use strict";

(function () {
  const root = document.getElementById("wallboard");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const set = (id, v) => { const el = $(id); if (el) el.textContent = v == null ? "–" : String(v); };
  const pct = (v) => (v == null ? "–" : v + "%");
  const clock = (secs) => {
    secs = Math.max(0, Math.round(secs));
    const h = Math.floor(secs / 3600), m = Math.floor(secs / 60) % 60, s = secs % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  };
  let longestAt = null;
  const words = root.dataset;
  // An away reason in the page's language, as the server's first render has it (#reason-words).
  const reasons = new Map();
  document.querySelectorAll("#reason-words li").forEach((li) => reasons.set(li.dataset.reason, li.textContent));
  const reasonName = (r) => (r ? reasons.get(r) || r : "");
  const stateName = (s) => words["state" + s.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("")] || s;

  function render(f) {
    const q = f.queue;
    set("waiting", q.waiting);
    $("tile-waiting").className = "tile" + (q.waiting ? " bad" : "");
    longestAt = q.longest_wait == null ? null : Date.now() - q.longest_wait * 1000;
    set("longest-wait", q.longest_wait);
    set("sl-15", pct(q.last_15_minutes.service_level));
    set("sl-today", pct(q.today.service_level));
    set("abandoned-today", q.today.abandoned);
    set("abandon-rate", pct(q.today.abandon_rate));
    set("answered-today", q.today.answered);
    set("cb-due", f.callbacks.due);
    set("cb-risk", f.callbacks.at_risk);
    set("cb-breached", f.callbacks.breached);
    Object.keys(f.counts).forEach((k) => set("count-" + k, f.counts[k]));
    const body = $("wb-agents").tBodies[0];
    body.textContent = "";
    f.agents.forEach((a) => {
      const tr = document.createElement("tr");
      tr.dataset.agent = a.id;
      const who = document.createElement("td");
      const b = document.createElement("strong");
      b.textContent = a.id;
      who.appendChild(b);
      if (a.name) who.appendChild(document.createTextNode(" " + a.name));
      const st = document.createElement("td");
      const pill = document.createElement("span");
      pill.className = "state state-" + a.state;
      pill.textContent = stateName(a.state);
      st.appendChild(pill);
      const since = document.createElement("td");
      const t = document.createElement("time");
      t.className = "since";
      t.dateTime = a.since;
      since.appendChild(t);
      const reason = document.createElement("td");
      reason.textContent = reasonName(a.reason);
      // An agent in a call: the listen-in buttons (assets/monitor.js) go here.
      const listen = document.createElement("td");
      listen.className = "monitor";
      if (a.state === "in_call" && a.call_id) listen.dataset.monitorCall = a.call_id;
      [who, st, since, reason, listen].forEach((td) => tr.appendChild(td));
      body.appendChild(tr);
    });
    if (window.frontdeskMonitor) window.frontdeskMonitor.refresh();
    tick();
  }

  function tick() {
    if (longestAt != null) set("longest-wait", Math.round((Date.now() - longestAt) / 1000));
    document.querySelectorAll("#wb-agents time.since").forEach((t) => {
      t.textContent = clock((Date.now() - new Date(t.dateTime)) / 1000);
    });
  }

  document.body.classList.add("wall");
  const source = new EventSource(root.dataset.stream);
  const live = $("wb-live");
  source.addEventListener("ready", () => { live.textContent = words.live; live.className = "live-status on"; });
  source.onerror = () => { live.textContent = words.off; live.className = "live-status off"; };
  source.addEventListener("figures", (msg) => {
    try { render(JSON.parse(msg.data)); } catch (_) { /* a bad message changes nothing */ }
  });
  const first = $("longest-wait").dataset.secs;
  if (first !== "") longestAt = Date.now() - Number(first) * 1000;
  setInterval(tick, 1000);
  tick();
})();

// frontdesk console: live updates over Server-Sent Events (new complaints, escalations, callback
// requests), shown in a list at the top of every supervisor page; a supervisor joining, switching
// or leaving a call is handed to the page's listen-in buttons (a `frontdesk:monitoring` event).
"use strict";

(function () {
  const panel = document.getElementById("live");
  const status = document.getElementById("live-status");
  if (!panel || !window.EventSource) return;
  const list = document.getElementById("live-list");
  const KEEP = 8;
  const LINKS = {
    complaint_opened: (e) => "/complaints?status=all#c" + e.complaint_id,
    escalated: (e) => "/complaints?status=all#c" + e.complaint_id,
    complaint_assigned: (e) => "/complaints?status=all#c" + e.complaint_id,
    complaint_resolved: (e) => "/complaints?status=all#c" + e.complaint_id,
    callback_requested: (e) => "/callbacks#cb" + e.callback_id,
  };

  function setStatus(text, cls) {
    if (!status) return;
    status.textContent = text;
    status.className = "live-status " + cls;
  }

  function add(text, href, at) {
    const li = document.createElement("li");
    const time = document.createElement("time");
    const when = at ? new Date(at) : new Date();
    time.dateTime = when.toISOString();
    time.textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
    li.appendChild(time);
    const a = document.createElement(href ? "a" : "span");
    if (href) a.href = href;
    a.textContent = text; // never HTML: event text comes from callers' data
    li.appendChild(a);
    list.insertBefore(li, list.firstChild);
    while (list.children.length > KEEP) list.removeChild(list.lastChild);
    panel.hidden = false;
  }

  const source = new EventSource(panel.dataset.stream);
  source.addEventListener("ready", () => setStatus(status ? status.dataset.on : "live", "on"));
  source.onerror = () => setStatus(status ? status.dataset.off : "reconnecting", "off");
  Object.keys(LINKS).forEach((name) => {
    source.addEventListener(name, (msg) => {
      let ev;
      try { ev = JSON.parse(msg.data); } catch (_) { return; }
      add(ev.summary || name, LINKS[name](ev), ev.at);
    });
  });
  // Who listens in on which call: for the listen-in buttons (assets/monitor.js), not the list.
  source.addEventListener("monitoring", (msg) => {
    let ev;
    try { ev = JSON.parse(msg.data); } catch (_) { return; }
    document.dispatchEvent(new CustomEvent("frontdesk:monitoring", { detail: ev }));
  });
  source.addEventListener("lagged", (msg) => {
    let missed = "some";
    try { missed = JSON.parse(msg.data).missed; } catch (_) { /* keep "some" */ }
    add((panel.dataset.missed || "{n} updates were missed; reload the page to see everything.").replace("{n}", missed), null, null);
  });
  document.getElementById("live-clear").addEventListener("click", () => {
    list.textContent = "";
    panel.hidden = true;
  });
})();

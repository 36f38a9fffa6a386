// frontdesk workspace: the agent's screen pop and state, live over Server-Sent Events. Every text
// from the store is set with textContent, never as HTML (names and notes come from callers' data).
"use strict";

(function () {
  const root = document.getElementById("workspace");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const text = (id, v) => { const el = $(id); if (el) el.textContent = v == null || v === "" ? "–" : String(v); };
  const clock = (secs) => {
    secs = Math.max(0, Math.round(secs));
    const m = Math.floor(secs / 60), s = secs % 60;
    return m + ":" + String(s).padStart(2, "0");
  };
  let shownCall = null;
  const words = root.dataset;
  const stateName = (s) => words["state" + s.split("_").map((w) => w[0].toUpperCase() + w.slice(1)).join("")] || s;

  function showPop(ev) {
    shownCall = ev.call_id;
    const pop = $("pop");
    pop.hidden = false;
    pop.dataset.call = ev.call_id;
    text("pop-name", ev.client || ev.name || ev.phone || words.unknown);
    text("pop-phone", ev.phone || "");
    text("pop-lang", ev.language);
    $("pop-vip").hidden = !ev.vip;
    $("pop-dnc").hidden = !ev.dnc;
    if (ev.phone) $("pop-card").href = "/clients/" + encodeURIComponent(ev.phone);
  }

  function list(id, items, line) {
    const ul = $(id);
    ul.textContent = "";
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = words.none;
      ul.appendChild(li);
    }
    items.forEach((it) => {
      const li = document.createElement("li");
      li.textContent = line(it);
      ul.appendChild(li);
    });
  }

  const when = (iso) => new Date(iso).toLocaleString([], { dateStyle: "short", timeStyle: "short" });

  async function details(callId, tries) {
    tries = tries || 0;
    const again = () => { if (tries < 5) setTimeout(() => details(callId, tries + 1), 400); };
    let r;
    try { r = await fetch("/workspace/pop/" + encodeURIComponent(callId), { credentials: "same-origin" }); }
    catch (_) { again(); return; }
    if (!r.ok) { again(); return; }
    const p = await r.json();
    if (shownCall && shownCall !== p.call_id) return;
    showPop({ call_id: p.call_id, name: p.name, phone: p.phone, language: p.language || p.client_language, vip: p.vip, dnc: p.dnc });
    const needs = $("pop-needs");
    needs.hidden = !p.needs;
    if (p.needs) needs.textContent = p.needs;
    text("pop-path", p.path ? p.path.split("").join(" › ") : "");
    text("pop-wait", p.wait_seconds == null ? "" : clock(p.wait_seconds));
    list("pop-past", p.past_calls, (c) => when(c.started_at) + " · " + (c.outcome || words.inProgress));
    list("pop-open", p.open, (o) => o.kind + " #" + o.id + " · " + o.status + " · " + words.since + " " + when(o.since)
      + (o.deadline ? " · " + words.due + " " + when(o.deadline) : "") + (o.at_risk ? " · " + words.risk : ""));
  }

  function tickClocks() {
    const since = $("state-since");
    if (since && since.dataset.live) since.textContent = clock((Date.now() - new Date(since.dateTime)) / 1000);
    const left = $("wrap-left");
    if (left && left.dataset.until) {
      const secs = (new Date(left.dataset.until) - Date.now()) / 1000;
      left.textContent = String(Math.max(0, Math.ceil(secs)));
    }
  }

  function onState(s) {
    const pill = $("state");
    const before = pill.dataset.state;
    pill.textContent = stateName(s.state);
    pill.dataset.state = s.state;
    pill.className = "state state-" + s.state;
    const since = $("state-since");
    since.dateTime = s.since;
    since.dataset.live = "1";
    // What frontdesk decided by itself (phone not answering OPTIONS, rings missed) is said at once.
    $("phone-unreachable").hidden = !s.phone_unreachable;
    $("missed-away").hidden = !!s.phone_unreachable || s.state !== "away" || s.reason !== root.dataset.missedReason;
    // The server renders the wrap-up and disposition parts: a new stage of the call reloads.
    const form = $("disposition");
    const stale = (s.state === "wrap_up" && !$("wrap")) || (s.state !== "wrap_up" && $("wrap"))
      || (s.state === "in_call" && !form);
    if (before && stale) window.location.replace("/workspace");
  }

  const source = new EventSource(root.dataset.stream);
  const live = $("ws-live");
  source.addEventListener("ready", () => { live.textContent = words.live; live.className = "live-status on"; });
  source.onerror = () => { live.textContent = words.off; live.className = "live-status off"; };
  source.addEventListener("screen_pop", (msg) => {
    let ev;
    try { ev = JSON.parse(msg.data); } catch (_) { return; }
    showPop(ev);
    // The pop means the phone is ringing now; the state stream confirms within a second.
    $("state").textContent = stateName("ringing");
    $("state").dataset.state = "ringing";
    $("state").className = "state state-ringing";
    $("state-since").dateTime = ev.at || new Date().toISOString();
    $("state-since").dataset.live = "1";
    details(ev.call_id);
    // The call's buttons (assets/call-actions.js) learn the call's id.
    document.dispatchEvent(new CustomEvent("frontdesk:pop", { detail: ev }));
  });
  source.addEventListener("state", (msg) => {
    let s;
    try { s = JSON.parse(msg.data); } catch (_) { return; }
    document.dispatchEvent(new CustomEvent("frontdesk:state", { detail: s }));
    onState(s);
  });
  if (root.dataset.popCall) details(root.dataset.popCall);
  setInterval(tickClocks, 1000);
  tickClocks();
})();

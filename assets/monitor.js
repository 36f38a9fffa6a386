// frontdesk console: a supervisor listens in on a live call. Every element with
// `data-monitor-call` gets the buttons Listen, Whisper, Barge and Stop; they ask the API
// (/api/v1/calls/{id}/monitor) as the signed-in user: the session cookie says who is asking and
// the browser's own Origin header shows the request comes from this server's pages. What the
// server then says of this supervisor's listening in (the `monitoring` events) updates the mode
// shown, however it changed. The phone rung is the one on the supervisor's account, never
// anything this page sends. The words come translated from the page (#monitor-words).
"use strict";

(function () {
  const words = document.getElementById("monitor-words");
  if (!words) return;
  const word = (name) => words.getAttribute("data-" + name) || name;
  const MODES = ["listen", "whisper", "barge"];
  // What this page has done per call: {mode, ringing}; kept across the wallboard's redraws.
  const joined = new Map();
  // The last problem per call, in words, until the next click.
  const problems = new Map();
  // Calls with a request under way (their buttons wait), and what the server said of them
  // meanwhile (a phone answering before the API's answer reached the page).
  const pending = new Set();
  const heard = new Map();

  /** The words for an API error code (`no_phone` → data-err-no-phone), else a general one. */
  function problem(code) {
    const attr = "data-err-" + String(code).replace(/_/g, "-");
    return words.getAttribute(attr) || word("err-other");
  }

  async function ask(id, method, body) {
    const opts = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch("/api/v1/calls/" + encodeURIComponent(id) + "/monitor", opts);
    } catch (_) {
      return { ok: false, code: "network" };
    }
    if (r.ok) {
      let data = null;
      if (r.status !== 204) {
        try { data = await r.json(); } catch (_) { /* the status says enough */ }
      }
      return { ok: true, status: r.status, data };
    }
    let code = "other";
    try {
      const e = await r.json();
      if (e && e.error && typeof e.error.code === "string") code = e.error.code;
    } catch (_) { /* not JSON: a general message */ }
    return { ok: false, status: r.status, code };
  }

  async function start(id, mode) {
    pending.add(id);
    heard.delete(id);
    problems.delete(id);
    repaint(id);
    const r = await ask(id, "POST", { mode });
    pending.delete(id);
    const joinedMeanwhile = heard.get(id) === mode;
    heard.delete(id);
    if (r.ok) {
      joined.set(id, { mode, ringing: r.status === 202 && !joinedMeanwhile });
    } else {
      problems.set(id, problem(r.code));
      if (r.code === "not_live") joined.delete(id);
    }
    repaint(id);
  }

  async function stop(id) {
    pending.add(id);
    problems.delete(id);
    repaint(id);
    const r = await ask(id, "DELETE");
    pending.delete(id);
    if (r.ok) {
      joined.delete(id);
      problems.set(id, word("stopped"));
    } else if (r.status === 404) {
      // Not on the call (any more): the page forgets what it thought.
      joined.delete(id);
      problems.set(id, word("err-not-on"));
    } else {
      problems.set(id, problem(r.code));
      if (r.code === "not_live") joined.delete(id);
    }
    repaint(id);
  }

  function button(text, cls, pressed, onClick, busy) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = text;
    if (pressed != null) b.setAttribute("aria-pressed", pressed ? "true" : "false");
    b.disabled = busy;
    b.addEventListener("click", onClick);
    return b;
  }

  /** Builds the controls inside `cell` for its call. */
  function paint(cell) {
    const id = cell.dataset.monitorCall;
    if (!id) return;
    // The mode the server found the call in when the page was made: read once.
    const given = cell.dataset.monitorMode;
    if (given !== undefined) {
      delete cell.dataset.monitorMode;
      if (MODES.includes(given) && !joined.has(id)) joined.set(id, { mode: given, ringing: false });
    }
    const now = joined.get(id);
    const busy = pending.has(id);
    cell.textContent = "";
    const bar = document.createElement("span");
    bar.className = "monitor-buttons";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", word("title"));
    MODES.forEach((m) => {
      const on = !!now && now.mode === m;
      bar.appendChild(button(word(m), "mon mon-" + m + (on ? " on" : ""), on, () => start(id, m), busy));
    });
    bar.appendChild(button(word("stop"), "mon mon-stop", null, () => stop(id), busy));
    cell.appendChild(bar);
    const status = document.createElement("span");
    status.className = "monitor-mode";
    status.setAttribute("role", "status");
    if (now) {
      status.dataset.mode = now.mode;
      status.textContent = word("now-" + now.mode) + (now.ringing ? " " + word("ringing") : "");
    } else {
      status.dataset.mode = "off";
      status.textContent = word("off");
    }
    cell.appendChild(status);
    const msg = problems.get(id);
    if (msg) {
      const p = document.createElement("span");
      p.className = "monitor-problem";
      p.setAttribute("role", "alert");
      p.textContent = msg;
      cell.appendChild(p);
    }
  }

  function repaint(id) {
    document.querySelectorAll("[data-monitor-call]").forEach((cell) => {
      if (cell.dataset.monitorCall === id) paint(cell);
    });
  }

  /** Paints every control on the page and forgets calls no longer shown (they ended). */
  function refresh() {
    const shown = new Set();
    document.querySelectorAll("[data-monitor-call]").forEach((cell) => {
      shown.add(cell.dataset.monitorCall);
      paint(cell);
    });
    [joined, problems].forEach((m) => Array.from(m.keys()).forEach((id) => { if (!shown.has(id)) m.delete(id); }));
  }

  // The server says when this supervisor joins, switches (the API, or keys 4/5/6 on their phone)
  // or leaves (Stop, or hanging the phone up) a call: every page shows it at once. The stream is
  // the console's own (assets/console.js); events about other supervisors change nothing here.
  const me = words.dataset.me;
  document.addEventListener("frontdesk:monitoring", (e) => {
    const ev = e.detail || {};
    if (typeof ev.call_id !== "string" || ev.supervisor !== me) return;
    const id = ev.call_id;
    if (pending.has(id)) heard.set(id, ev.mode);
    if (MODES.includes(ev.mode)) {
      joined.set(id, { mode: ev.mode, ringing: false });
      problems.delete(id);
    } else if (joined.has(id)) {
      joined.delete(id);
      problems.set(id, word("left"));
    }
    repaint(id);
  });

  window.frontdeskMonitor = { refresh };
  refresh();
})();

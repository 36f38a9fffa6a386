// frontdesk workspace: the buttons of the agent's call in progress. Transfer (blind), Consult
// (attended, then Complete or Cancel) and Pause/Resume recording call the API
// (/api/v1/calls/{id}/transfer, …/recording/pause) as the signed-in user: the session cookie says
// who is asking and the browser's own Origin header shows the request comes from this server's
// pages. The server decides who may act on which call; this page only asks and says the answer in
// the console's language (the words come from #actions).
"use strict";

(function () {
  const root = document.getElementById("actions");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const words = root.dataset;
  // The call the buttons act on: the one the agent is talking with (from the page, then the
  // workspace's live state; the screen pop names it while it rings).
  let call = words.call || null;
  let ringing = null;
  let paused = words.paused === "true";
  let busy = false;
  // A consultation under way survives a reload of the page (same tab), per call.
  const consultKey = (id) => "frontdesk-consult:" + id;
  const consulting = () => (call ? sessionStorage.getItem(consultKey(call)) : null);

  function problem(r) {
    const byCode = r.code && words["err" + r.code.split(/[_-]/).map((w) => w[0].toUpperCase() + w.slice(1)).join("")];
    if (byCode) return byCode;
    const byStatus = { 400: words.errBadRequest, 401: words.errUnauthorized, 403: words.errForbidden, 404: words.errNotFound, 429: words.errBusy };
    return byStatus[r.status] || words.errOther;
  }

  function say(text, isProblem) {
    const said = $("actions-said"), wrong = $("actions-problem");
    said.hidden = isProblem || !text;
    wrong.hidden = !isProblem || !text;
    (isProblem ? wrong : said).textContent = text || "";
    (isProblem ? said : wrong).textContent = "";
  }

  async function ask(path, body) {
    const opts = { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch("/api/v1/calls/" + encodeURIComponent(call) + path, opts);
    } catch (_) {
      return { ok: false, code: "network" };
    }
    let data = null;
    if (r.status !== 204) {
      try { data = await r.json(); } catch (_) { /* the status says enough */ }
    }
    if (r.ok) return { ok: true, status: r.status, data };
    const code = data && data.error && typeof data.error.code === "string" ? data.error.code : null;
    return { ok: false, status: r.status, code };
  }

  function paint() {
    root.hidden = !call;
    const state = $("rec-state"), toggle = $("rec-toggle");
    state.textContent = paused ? words.recPaused : words.recOn;
    state.dataset.paused = paused ? "true" : "false";
    toggle.textContent = paused ? words.resume : words.pause;
    toggle.setAttribute("aria-pressed", paused ? "true" : "false");
    const target = consulting();
    $("consultation").hidden = !target;
    if (target) $("consult-state").textContent = words.consulting.replace("{target}", target);
    root.querySelectorAll("button").forEach((b) => { b.disabled = busy; });
    $("transfer-blind").disabled = busy || !!target;
    $("transfer-consult").disabled = busy || !!target;
  }

  /** Runs one request with the buttons waiting, then paints. */
  async function act(fn) {
    if (busy || !call) return;
    busy = true;
    paint();
    try { await fn(); } finally { busy = false; paint(); }
  }

  function target() {
    const to = $("transfer-to").value.trim();
    if (!to) say(words.errEmpty, true);
    return to;
  }

  async function transfer(attended) {
    const to = target();
    if (!to) return;
    await act(async () => {
      const r = await ask("/transfer", { to, attended });
      if (!r.ok) return say(problem(r), true);
      if (attended) {
        sessionStorage.setItem(consultKey(call), to);
        say("", false);
      } else {
        say(words.transferring.replace("{target}", to), false);
      }
    });
  }

  async function consultation(complete) {
    await act(async () => {
      const to = consulting() || "";
      const r = await ask(complete ? "/transfer/complete" : "/transfer/cancel");
      if (r.ok || r.code === "no_consultation") sessionStorage.removeItem(consultKey(call));
      if (!r.ok) return say(problem(r), true);
      say(complete ? words.completed.replace("{target}", to) : words.cancelled, false);
    });
  }

  async function toggleRecording() {
    await act(async () => {
      const r = await ask(paused ? "/recording/resume" : "/recording/pause");
      if (!r.ok) return say(problem(r), true);
      if (r.data && typeof r.data.paused === "boolean") paused = r.data.paused;
      say("", false);
    });
  }

  $("transfer").addEventListener("submit", (e) => { e.preventDefault(); transfer(false); });
  $("transfer-consult").addEventListener("click", () => transfer(true));
  $("consult-complete").addEventListener("click", () => consultation(true));
  $("consult-cancel").addEventListener("click", () => consultation(false));
  $("rec-toggle").addEventListener("click", toggleRecording);

  // The workspace's live stream (assets/workspace.js) says who rings and what state the agent is in.
  document.addEventListener("frontdesk:pop", (e) => { ringing = e.detail.call_id || null; });
  document.addEventListener("frontdesk:state", (e) => {
    const s = e.detail;
    const now = s.state === "in_call" ? s.call_id || ringing : null;
    if (now !== call) {
      if (call && !now) sessionStorage.removeItem(consultKey(call));
      call = now;
      paused = false;
      say("", false);
    }
    if (call && typeof s.recording_paused === "boolean" && !busy) paused = s.recording_paused;
    paint();
  });
  paint();
})();

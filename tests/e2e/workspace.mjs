// The agent's workspace and the wallboard in headless Debian Chromium (Playwright, playwright-core
// only). Run by tests/workspace.rs against a real service with one agent phone (a SIPp UAS that
// rings 3 s before answering):
//   FD_BASE FD_TOKEN (admin API token) FD_AGENT_USER FD_SUP_USER FD_PASSWORD FD_NAME (the caller's
//   name on their card) FD_PHONE (the caller's number) FD_SIP (host:port) FD_SIPP_DIR FD_WORKDIR
//   FD_PORTS (four free UDP ports) FD_SCREENSHOTS node tests/e2e/workspace.mjs
// The agent signs in and goes available; a SIPp caller presses 1; the screen pop with the client's
// name must be on the page while the agent's phone is still ringing; the disposition and note land
// on the card; "ready" ends the wrap-up. Then, on a supervisor's wallboard, the waiting count goes
// up when a caller queues (the agent away) and down when they give up.
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const BASE = need("FD_BASE");
const TOKEN = need("FD_TOKEN");
const AGENT_USER = need("FD_AGENT_USER");
const SUP_USER = need("FD_SUP_USER");
const PASSWORD = need("FD_PASSWORD");
const NAME = need("FD_NAME");
const NEEDS = need("FD_NEEDS");
const PHONE = need("FD_PHONE");
const SIP = need("FD_SIP");
const SIPP_DIR = need("FD_SIPP_DIR");
const WORKDIR = need("FD_WORKDIR");
const PORTS = need("FD_PORTS").split(",");
const SHOTS = need("FD_SCREENSHOTS");
const NOTE = "Wants the June invoice again; sent by e-mail.";

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function api(path) {
  const r = await fetch(BASE + path, { headers: { Authorization: `Bearer ${TOKEN}` } });
  check(r.ok, `GET ${path}: ${r.status}`);
  return r.json();
}

/// One SIPp caller from PHONE pressing 1 and hanging up after `holdMs`.
function caller(port, mediaPort, holdMs) {
  const inf = join(WORKDIR, `e2e-caller-${port}.csv`);
  writeFileSync(inf, `SEQUENTIAL\n${PHONE};\n`);
  const child = spawn("timeout", [
    "60", "sipp", SIP, "-sf", join(SIPP_DIR, "queue_hangup.xml"), "-inf", inf,
    "-m", "1", "-l", "1", "-i", "127.0.0.1", "-p", port, "-mp", mediaPort,
    "-d", String(holdMs), "-timeout", "50s", "-timeout_error", "-nostdin",
  ], { cwd: WORKDIR, stdio: "ignore" });
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

const profiles = [];
async function browser() {
  const profile = mkdtempSync(join(tmpdir(), "fd-chromium-"));
  profiles.push(profile);
  return chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    viewport: { width: 1366, height: 900 },
  });
}

const problems = [];
async function signedIn(ctx, user, next) {
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.setDefaultTimeout(20000);
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.goto(BASE + "/login" + (next ? "?next=" + encodeURIComponent(next) : ""));
  await page.fill("input[name=name]", user);
  await page.fill("input[name=password]", PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click("form button")]);
  return page;
}

const text = (page, sel) => page.$eval(sel, (el) => el.textContent.trim());

const agentCtx = await browser();
const supCtx = await browser();
try {
  // The agent signs in (their home is the workspace) and goes available.
  const page = await signedIn(agentCtx, AGENT_USER, null);
  check(page.url().endsWith("/workspace"), `an agent lands on the workspace, not ${page.url()}`);
  check((await text(page, "#state")) === "away", "the agent starts away");
  await page.waitForSelector("#ws-live.on");
  await Promise.all([page.waitForNavigation(), page.click("#go-available button")]);
  check((await text(page, "#state")) === "available", "available after the click");
  await page.waitForSelector("#ws-live.on");
  console.log("agent available");

  // A caller presses 1; the pop must show the card's name while the phone still rings.
  const first = caller(PORTS[0], PORTS[1], 12000);
  await page.waitForFunction(
    (name) => document.getElementById("pop-name").textContent.includes(name), NAME, { timeout: 30000 });
  let agents = await api("/api/v1/agents");
  check(agents[0].state === "ringing", `the pop came before the answer; agent is ${agents[0].state}`);
  console.log(`screen pop shown while ringing: ${await text(page, "#pop-name")}`);
  // The rest of the pop (menu path, wait, history) follows from the card, still while ringing.
  try {
    await page.waitForFunction(() => document.getElementById("pop-path").textContent === "1", null, { timeout: 2500 });
  } catch (e) {
    throw new Error(`no menu path in the pop while ringing: ${await text(page, "#pop-path")}, state ${await text(page, "#state")}`);
  }
  check((await text(page, "#state")) === "ringing", "the page says ringing");
  check(await page.isVisible("#pop-needs"), "the special needs are shown");
  check((await text(page, "#pop-needs")) === NEEDS, "the pop's first line is the card's needs");
  await page.screenshot({ path: join(SHOTS, "workspace-pop.png"), fullPage: true });
  agents = await api("/api/v1/agents");
  check(agents[0].state === "ringing", `the screenshot is of the ringing phone; agent is ${agents[0].state}`);

  // Talk, the caller leaves, wrap-up: the page shows it by itself (live state).
  await page.waitForSelector("#wrap-left", { timeout: 40000 });
  await page.waitForSelector("#disposition");
  await page.selectOption("#disposition select[name=code]", "follow-up");
  await page.fill("#disposition textarea[name=note]", NOTE);
  await Promise.all([page.waitForNavigation(), page.click("#disposition button")]);
  check(page.url().includes("done=disposition"), `disposition saved: ${page.url()}`);
  const card = await api("/api/v1/clients/" + encodeURIComponent(PHONE));
  check(JSON.stringify(card).includes(`follow-up: ${NOTE}`), "the disposition and note are on the card");
  const left = Number(await text(page, "#wrap-left"));
  check(left > 0 && left <= 60, `the wrap-up counts down: ${left}`);
  await page.screenshot({ path: join(SHOTS, "workspace-wrapup.png"), fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click("#ready button")]);
  check((await text(page, "#state")) === "available", "ready ends the wrap-up");
  check((await first) === 0, "the first caller's SIPp failed");
  console.log("disposition on the card, wrap-up ended by ready");

  // The wallboard: the agent goes away; a caller queues, then gives up.
  const board = await signedIn(supCtx, SUP_USER, "/wallboard");
  check(board.url().endsWith("/wallboard"), board.url());
  await board.waitForSelector("#wb-live.on");
  await page.selectOption("#go-away select[name=reason]", "break");
  await Promise.all([page.waitForNavigation(), page.click("#go-away button")]);
  check((await text(page, "#state")) === "away", "away for a break");
  await board.waitForFunction(() => document.getElementById("waiting").textContent === "0");
  // Held 12 s after the answer: the greeting, notice and menu take about 5 s (more on a loaded
  // machine) before the caller queues, and the wallboard must catch them waiting.
  const second = caller(PORTS[2], PORTS[3], 12000);
  await board.waitForFunction(() => document.getElementById("waiting").textContent === "1", null, { timeout: 20000 });
  await board.waitForFunction(() => document.querySelector("#wb-agents span.state-away") !== null);
  await board.screenshot({ path: join(SHOTS, "wallboard.png"), fullPage: true });
  console.log("wallboard: one waiting");
  await board.waitForFunction(() => document.getElementById("waiting").textContent === "0", null, { timeout: 30000 });
  check(Number(await text(board, "#abandoned-today")) >= 1, "the caller who gave up counts as abandoned");
  check((await second) === 0, "the second caller's SIPp failed");
  console.log("wallboard: back to none waiting, abandonment counted");
  await page.screenshot({ path: join(SHOTS, "workspace.png"), fullPage: true });

  // The agent's page and the wallboard in each language, chosen in the header; no key showing.
  const RAW = /\b(nav|ws|wb|col|cb|sv|card|call|calls|complaints|login|live|state|reason|code|role|sla|filter|find|language|agents)-[a-z_-]+\b/;
  for (const lang of ["lt", "ru", "uk", "en"]) {
    for (const [p, name] of [[page, "workspace"], [board, "wallboard"]]) {
      await p.selectOption("form.lang select", lang);
      await Promise.all([p.waitForNavigation(), p.click("form.lang button")]);
      check((await p.evaluate(() => document.documentElement.lang)) === lang, `${name} in ${lang}`);
      const body = await p.evaluate(() => document.body.innerText);
      const raw = body.match(RAW);
      check(!raw, `${name} in ${lang} shows a message key: ${raw && raw[0]}`);
      await p.screenshot({ path: join(SHOTS, `${name}-${lang}.png`), fullPage: true });
    }
    if (lang === "lt") {
      // The wallboard's live redraw says the away reason in the page's language, as its first
      // render does: the agent changes reason and the row is redrawn without a reload.
      const cell = "#wb-agents tbody tr[data-agent] td:nth-child(4)";
      check((await text(board, cell)) === "pertrauka", `the reason in Lithuanian: ${await text(board, cell)}`);
      await page.selectOption("#go-away select[name=reason]", "lunch");
      await Promise.all([page.waitForNavigation(), page.click("#go-away button")]);
      await board.waitForFunction((sel) => document.querySelector(sel).textContent === "pietūs", cell);
      console.log("wallboard: the away reason redrawn live, in Lithuanian");
    }
  }
  console.log("workspace and wallboard in lt, ru, uk, en");
  await board.goto(BASE + "/reports?by=hour");
  const hours = await board.locator("#report tbody tr").count();
  check(hours >= 1 && (await text(board, "#report tbody tr td:nth-child(2)")) !== "0", "the hour's report counts the queued callers");
  await board.screenshot({ path: join(SHOTS, "reports.png"), fullPage: true });
  check(problems.length === 0, problems.join("\n"));
  console.log("workspace e2e ok");
} finally {
  await agentCtx.close();
  await supCtx.close();
  for (const p of profiles) rmSync(p, { recursive: true, force: true });
}

// The agent's buttons for their call in progress, in headless Debian Chromium (playwright-core).
// Run by tests/workspace_actions.rs while a real call is live (a SIPp caller talking to the
// agent's SIPp phone; the target agent's phone is another SIPp UAS):
//   FD_BASE FD_CALL FD_AGENT (also their user name) FD_TARGET (another agent) FD_PASSWORD
//   FD_SCREENSHOTS node tests/e2e/actions.mjs
// The agent pauses the recording (the API answers paused and the page says so, also after a
// reload in Lithuanian), reads refusals in words (English, Lithuanian), resumes, consults the
// target and cancels, then transfers the caller to them; the call then leaves the page, and the
// API refuses the agent a call that is no longer theirs.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const BASE = need("FD_BASE");
const CALL = need("FD_CALL");
const AGENT = need("FD_AGENT");
const TARGET = need("FD_TARGET");
const PASSWORD = need("FD_PASSWORD");
const SHOTS = need("FD_SCREENSHOTS");

function check(cond, message) {
  if (!cond) throw new Error(message);
}

const profile = mkdtempSync(join(tmpdir(), "fd-chromium-"));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  viewport: { width: 1366, height: 1000 },
});
const problems = [];
const api = (path) => (r) => r.url().endsWith(`/api/v1/calls/${CALL}${path}`) && r.request().method() === "POST";
const text = (page, sel) => page.$eval(sel, (el) => el.textContent.trim());

/** The call's timeline as the agent may read it through the API, until it has `line`. */
async function timelineHas(page, line) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const events = await page.evaluate(async (id) => {
      const r = await fetch(`/api/v1/calls/${id}`, { credentials: "same-origin" });
      return r.ok ? (await r.json()).events.map((e) => e.detail).join("\n") : `HTTP ${r.status}`;
    }, CALL);
    if (events.includes(line)) return;
    check(Date.now() < deadline, `the timeline never said ${JSON.stringify(line)}:\n${events}`);
    await page.waitForTimeout(300);
  }
}

async function language(page, lang) {
  await page.selectOption("form.lang select", lang);
  await Promise.all([page.waitForNavigation(), page.click("form.lang button")]);
  check((await page.evaluate(() => document.documentElement.lang)) === lang, `the page in ${lang}`);
}

/** Types a target and presses a button; returns the API's answer. */
async function pass(page, to, button) {
  await page.fill("#transfer-to", to);
  const answer = page.waitForResponse(api("/transfer"));
  await page.click(button);
  return answer;
}

try {
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.setDefaultTimeout(20000);
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.goto(BASE + "/login");
  await page.fill("input[name=name]", AGENT);
  await page.fill("input[name=password]", PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click("form button")]);
  check(page.url().endsWith("/workspace"), `an agent lands on the workspace, not ${page.url()}`);
  await page.waitForSelector("#ws-live.on");

  // The buttons of the call in progress, for that call.
  await page.waitForSelector("#actions:not([hidden])");
  check((await page.getAttribute("#actions", "data-call")) === CALL, "the page knows the call");
  check((await text(page, "#rec-state")) === "Recording", "recording at first");
  const offered = await page.$$eval("#transfer-targets option", (os) => os.map((o) => o.value));
  check(offered.includes(TARGET) && offered.includes("queue") && !offered.includes(AGENT), `targets offered: ${offered}`);

  // Pause: the API answers paused, the page says so.
  const paused = page.waitForResponse(api("/recording/pause"));
  await page.click("#rec-toggle");
  const p = await paused;
  check(p.status() === 200 && (await p.json()).paused === true, `pause: ${p.status()}`);
  await page.waitForSelector("#rec-state[data-paused=true]");
  check((await text(page, "#rec-state")) === "Recording paused", "the page shows the pause");
  check((await text(page, "#rec-toggle")) === "Resume recording", "the button resumes now");
  console.log("pause: the API answered paused; the page shows it");

  // Refusals in words: nothing typed (no request), then a target the server refuses.
  await page.fill("#transfer-to", "");
  await page.click("#transfer-consult");
  check((await text(page, "#actions-problem")) === "Type or pick who to pass the caller to first.", "an empty target is said");
  const bad = await pass(page, "no such", "#transfer-blind");
  check(bad.status() === 400, `a bad target: ${bad.status()}`);
  await page.waitForFunction(() => document.getElementById("actions-problem").textContent.startsWith("That target is not valid"));
  console.log(`refused: ${await text(page, "#actions-problem")}`);

  // In Lithuanian, after a reload: the pause is read back from the server, refusals in Lithuanian.
  await language(page, "lt");
  await page.waitForSelector("#actions:not([hidden]) #rec-state[data-paused=true]");
  check((await text(page, "#rec-state")) === "Įrašymas pristabdytas", "the pause, in Lithuanian, after a reload");
  const badLt = await pass(page, "no such", "#transfer-blind");
  check(badLt.status() === 400, `a bad target: ${badLt.status()}`);
  await page.waitForFunction(() => !document.getElementById("actions-problem").hidden);
  const why = await text(page, "#actions-problem");
  check(why.startsWith("Netinkamas adresatas"), `the refusal in Lithuanian: ${why}`);
  console.log(`refused, in Lithuanian: ${why}`);
  await language(page, "en");
  await page.waitForSelector("#actions:not([hidden])");

  // Resume.
  const resumed = page.waitForResponse(api("/recording/resume"));
  await page.click("#rec-toggle");
  const r = await resumed;
  check(r.status() === 200 && (await r.json()).paused === false, `resume: ${r.status()}`);
  await page.waitForSelector("#rec-state[data-paused=false]");
  await timelineHas(page, "resumed by agent anna");
  console.log("resumed");

  // Consult the target, then cancel: the caller is back with the agent.
  const consult = await pass(page, TARGET, "#transfer-consult");
  check(consult.status() === 202, `consult: ${consult.status()}`);
  await page.waitForSelector("#consultation:not([hidden])");
  check((await text(page, "#consult-state")).startsWith(`Consulting ${TARGET}`), "the page says who is consulted");
  check(await page.$eval("#transfer-blind", (b) => b.disabled), "no second transfer during a consultation");
  await timelineHas(page, `consults agent ${TARGET}`);
  await page.screenshot({ path: join(SHOTS, "workspace-actions.png"), fullPage: true });
  const cancelled = page.waitForResponse(api("/transfer/cancel"));
  await page.click("#consult-cancel");
  check((await cancelled).status() === 204, "cancel: 204");
  await page.waitForSelector("#consultation", { state: "hidden" });
  check((await text(page, "#actions-said")) === "Consultation cancelled: the caller is back with you.", "the page says the caller is back");
  await timelineHas(page, "consultation by agent anna: 487");
  console.log("consulted and cancelled");

  // Transfer: the target answers, the agent is released and the call leaves the page.
  const blind = await pass(page, TARGET, "#transfer-blind");
  check(blind.status() === 202, `transfer: ${blind.status()}`);
  check((await text(page, "#actions-said")).startsWith(`Passing the caller to ${TARGET}`), "the page says the caller is passed on");
  await page.waitForSelector("#actions", { state: "hidden", timeout: 30000 });
  console.log("transferred: the call left the agent's page");

  // The call is the target's now: the server refuses the agent whatever a page would send.
  const refused = await page.evaluate(async (id) => {
    const r = await fetch(`/api/v1/calls/${id}/recording/pause`, { method: "POST", credentials: "same-origin" });
    return r.status;
  }, CALL);
  check(refused === 403, `the API let an agent pause a call no longer theirs: ${refused}`);

  check(problems.length === 0, problems.join("\n"));
  console.log("actions e2e ok");
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}

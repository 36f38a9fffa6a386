// Listening in from the console, in headless Debian Chromium (Playwright, playwright-core only).
// Run by tests/console_monitor.rs while a real call is live (a SIPp caller talking to a SIPp agent):
//   FD_BASE FD_CALL (the live call's id) FD_AGENT (the agent on it, also their user name) FD_SUP (a
//   supervisor with a phone on their account) FD_NO_PHONE (a supervisor without one) FD_PASSWORD
//   FD_SCREENSHOTS node tests/e2e/monitor.mjs
// The supervisor without a phone switches the console to Lithuanian and gets the reason in it; the
// agent sees no buttons anywhere and the API refuses them; the supervisor clicks Listen on the
// wallboard (their phone rings and answers: the call's page then shows the mode, read back from
// the server), Whisper on the call's page, then Stop.
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
const SUP = need("FD_SUP");
const NO_PHONE = need("FD_NO_PHONE");
const PASSWORD = need("FD_PASSWORD");
const SHOTS = need("FD_SCREENSHOTS");

function check(cond, message) {
  if (!cond) throw new Error(message);
}

const profiles = [];
const contexts = [];
async function browser() {
  const profile = mkdtempSync(join(tmpdir(), "fd-chromium-"));
  profiles.push(profile);
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    viewport: { width: 1366, height: 900 },
  });
  contexts.push(ctx);
  return ctx;
}

const problems = [];
async function signedIn(user, next) {
  const ctx = await browser();
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.setDefaultTimeout(20000);
  page.on("pageerror", (e) => problems.push(`page error (${user}): ${e.message}`));
  await page.goto(BASE + "/login" + (next ? "?next=" + encodeURIComponent(next) : ""));
  await page.fill("input[name=name]", user);
  await page.fill("input[name=password]", PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click("form button")]);
  return page;
}

const text = (page, sel) => page.$eval(sel, (el) => el.textContent.trim());
const ROW = `#wb-agents tr[data-agent="${AGENT}"] td.monitor`;
const noButtons = async (page, where) => {
  const found = await page.evaluate(() => ({
    cells: document.querySelectorAll("[data-monitor-call]").length,
    words: !!document.getElementById("monitor-words"),
    buttons: document.querySelectorAll("button.mon").length,
  }));
  check(found.cells === 0 && !found.words && found.buttons === 0, `${where}: listen-in controls for an agent: ${JSON.stringify(found)}`);
};

try {
  // A supervisor without a phone, in Lithuanian: the reason, in their language.
  const max = await signedIn(NO_PHONE, "/wallboard");
  await max.selectOption("form.lang select", "lt");
  await Promise.all([max.waitForNavigation(), max.click("form.lang button")]);
  check(new URL(max.url()).pathname === "/wallboard", `back on the wallboard: ${max.url()}`);
  check((await max.evaluate(() => document.documentElement.lang)) === "lt", "the wallboard in Lithuanian");
  await max.waitForSelector(`${ROW} button.mon-listen`);
  check((await text(max, `${ROW} button.mon-listen`)) === "Klausytis", "the Listen button in Lithuanian");
  const refused = max.waitForResponse((r) => r.url().endsWith(`/api/v1/calls/${CALL}/monitor`));
  await max.click(`${ROW} button.mon-listen`);
  check((await refused).status() === 409, "no phone: 409");
  await max.waitForSelector(`${ROW} .monitor-problem`);
  const why = await text(max, `${ROW} .monitor-problem`);
  check(why === "Jūsų paskyroje nėra telefono: paprašykite administratoriaus jį nustatyti.", `the reason in Lithuanian: ${why}`);
  check((await text(max, `${ROW} .monitor-mode`)) === "Neklausote", "still not listening");
  await max.screenshot({ path: join(SHOTS, "monitor-no-phone.png"), fullPage: true });
  console.log(`no phone: "${why}"`);

  // The agent: no buttons on their pages, no wallboard, and the API refuses them.
  const anna = await signedIn(AGENT, null);
  check(anna.url().endsWith("/workspace"), `an agent lands on the workspace, not ${anna.url()}`);
  await noButtons(anna, "workspace");
  const own = await anna.goto(BASE + "/calls/" + CALL);
  check(own.status() === 200, `the agent's own call page: ${own.status()}`);
  await noButtons(anna, "the agent's call page");
  const board = await anna.goto(BASE + "/wallboard");
  check(board.status() === 403, `the wallboard for an agent: ${board.status()}`);
  await anna.goto(BASE + "/calls/" + CALL);
  const tried = await anna.evaluate(async (id) => {
    const r = await fetch(`/api/v1/calls/${id}/monitor`, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ mode: "listen" }),
    });
    return r.status;
  }, CALL);
  check(tried === 403, `the API let an agent listen in: ${tried}`);
  console.log("agent: no buttons, wallboard 403, API 403");

  // The supervisor with a phone: Listen on the wallboard.
  const sue = await signedIn(SUP, "/wallboard");
  await sue.waitForSelector("#wb-live.on");
  await sue.waitForSelector(`${ROW} button.mon-listen`);
  check((await text(sue, `${ROW} .monitor-mode`)) === "Not listening", "not listening at first");
  const rung = sue.waitForResponse((r) => r.url().endsWith(`/api/v1/calls/${CALL}/monitor`));
  await sue.click(`${ROW} button.mon-listen`);
  check((await rung).status() === 202, "Listen: the phone rings (202)");
  await sue.waitForSelector(`${ROW} .monitor-mode[data-mode=listen]`);
  const mode = await text(sue, `${ROW} .monitor-mode`);
  check(mode.startsWith("Listening"), `the wallboard shows the mode: ${mode}`);
  check((await sue.getAttribute(`${ROW} button.mon-listen`, "aria-pressed")) === "true", "Listen is pressed");
  await sue.screenshot({ path: join(SHOTS, "monitor-wallboard.png"), fullPage: true });
  console.log(`wallboard: ${mode}`);
  // The phone answers: the server's event says so, and "ringing" goes without a reload.
  await sue.waitForFunction((sel) => document.querySelector(sel)?.textContent === "Listening", `${ROW} .monitor-mode`);
  console.log("wallboard: Listening (the phone answered, shown live)");

  // The phone answers: the call's page, made by the server, shows the mode the call is in.
  const deadline = Date.now() + 20000;
  for (;;) {
    await sue.goto(BASE + "/calls/" + CALL);
    const shown = await sue.$(`#monitor .monitor-mode[data-mode=listen]`);
    if (shown && (await sue.textContent("#events")).includes("supervisor sue listens")) break;
    check(Date.now() < deadline, `the call's page never showed the supervisor listening: ${await sue.textContent("#monitor")}`);
    await sue.waitForTimeout(500);
  }
  check((await text(sue, "#monitor .monitor-mode")) === "Listening", "joined: no longer ringing");
  console.log("call page: Listening (the phone answered)");

  // Whisper from the call's page: the mode switches at once (200), and a new page agrees.
  const switched = sue.waitForResponse((r) => r.url().endsWith(`/api/v1/calls/${CALL}/monitor`));
  await sue.click("#monitor button.mon-whisper");
  check((await switched).status() === 200, "Whisper: the mode switched (200)");
  await sue.waitForSelector("#monitor .monitor-mode[data-mode=whisper]");
  check((await text(sue, "#monitor .monitor-mode")) === "Whispering to the agent", "the page shows whispering");
  await sue.screenshot({ path: join(SHOTS, "monitor-call.png"), fullPage: true });
  await sue.reload();
  await sue.waitForSelector("#monitor .monitor-mode[data-mode=whisper]");
  console.log("call page: Whispering to the agent");

  // Stop: the phone is hung up, the page says so, and the wallboard agrees.
  const stopped = sue.waitForResponse((r) => r.url().endsWith(`/api/v1/calls/${CALL}/monitor`) && r.request().method() === "DELETE");
  await sue.click("#monitor button.mon-stop");
  check((await stopped).status() === 204, "Stop: 204");
  await sue.waitForSelector("#monitor .monitor-mode[data-mode=off]");
  check((await text(sue, "#monitor .monitor-problem")) === "Stopped: your phone was hung up.", "the page says the phone was hung up");
  // Stopping again: not on the call, said in words.
  await sue.click("#monitor button.mon-stop");
  await sue.waitForFunction(() => document.querySelector("#monitor .monitor-problem")?.textContent === "You are not on this call.");
  // The call writes the end when the phone's BYE is answered: a page made before that still
  // shows the last mode, so look again for a while.
  const until = Date.now() + 10000;
  for (;;) {
    await sue.goto(BASE + "/wallboard");
    await sue.waitForSelector(`${ROW} .monitor-mode`);
    if ((await sue.getAttribute(`${ROW} .monitor-mode`, "data-mode")) === "off") break;
    check(Date.now() < until, "the wallboard still shows the supervisor on the call");
    await sue.waitForTimeout(300);
  }
  console.log("stopped; the wallboard shows not listening");

  check(problems.length === 0, problems.join("\n"));
  console.log("monitor e2e ok");
} finally {
  for (const c of contexts) await c.close();
  for (const p of profiles) rmSync(p, { recursive: true, force: true });
}

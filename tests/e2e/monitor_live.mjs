// The supervisor's pages follow their phone, in headless Debian Chromium (playwright-core only).
// Run by tests/console_monitor.rs while a real call is live (a SIPp caller talking to a SIPp
// agent) and the supervisor's phone is a SIPp UAS that answers, keys 5 (whisper) 3 s later and
// hangs up 3 s after that:
//   FD_BASE FD_CALL FD_AGENT FD_SUP FD_PASSWORD FD_SCREENSHOTS node tests/e2e/monitor_live.mjs
// The supervisor has the wallboard and the call's page open; Listen is clicked on the call's page
// only. Both pages must then show listening, whispering (the phone's key) and not listening (the
// phone hung up) without a reload: every mode shown is recorded as it changes, so a slow browser
// cannot miss one.
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
  viewport: { width: 1366, height: 900 },
});
const problems = [];

/** Records every mode the page's control for the call shows, from now on. */
async function watch(page, selector) {
  await page.evaluate((sel) => {
    window.fdMarker = "the same page";
    window.fdModes = [];
    const note = () => {
      const el = document.querySelector(sel);
      const mode = el ? el.dataset.mode : null;
      if (mode && window.fdModes[window.fdModes.length - 1] !== mode) window.fdModes.push(mode);
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  }, selector);
}

const modes = (page) => page.evaluate(() => ({ modes: window.fdModes, marker: window.fdMarker }));

/** `seen` holds `want` in that order (other modes may come between). */
function inOrder(seen, want) {
  let i = 0;
  for (const m of seen) if (m === want[i]) i += 1;
  return i === want.length;
}

try {
  const board = ctx.pages()[0] || (await ctx.newPage());
  board.setDefaultTimeout(20000);
  board.on("pageerror", (e) => problems.push(`page error (wallboard): ${e.message}`));
  await board.goto(BASE + "/login?next=" + encodeURIComponent("/wallboard"));
  await board.fill("input[name=name]", SUP);
  await board.fill("input[name=password]", PASSWORD);
  await Promise.all([board.waitForNavigation(), board.click("form button")]);
  const ROW = `#wb-agents tr[data-agent="${AGENT}"] td.monitor`;
  await board.waitForSelector("#wb-live.on");
  await board.waitForSelector("#live-status.on");
  await board.waitForSelector(`${ROW} .monitor-mode[data-mode=off]`);

  const callPage = await ctx.newPage();
  callPage.setDefaultTimeout(20000);
  callPage.on("pageerror", (e) => problems.push(`page error (call page): ${e.message}`));
  await callPage.goto(BASE + "/calls/" + CALL);
  await callPage.waitForSelector("#live-status.on");
  await callPage.waitForSelector("#monitor .monitor-mode[data-mode=off]");

  await watch(board, `${ROW} .monitor-mode`);
  await watch(callPage, "#monitor .monitor-mode");

  const rung = callPage.waitForResponse((r) => r.url().endsWith(`/api/v1/calls/${CALL}/monitor`));
  await callPage.click("#monitor button.mon-listen");
  check((await rung).status() === 202, "Listen: the phone rings (202)");

  // The phone answers, keys 5 and hangs up by itself; both pages follow.
  const over = (page) => page.waitForFunction(() => {
    const m = window.fdModes;
    return m.includes("whisper") && m[m.length - 1] === "off";
  }, null, { timeout: 30000 });
  await Promise.all([over(board), over(callPage)]);
  for (const [name, page, sel] of [["wallboard", board, ROW], ["call page", callPage, "#monitor"]]) {
    const seen = await modes(page);
    check(seen.marker === "the same page", `${name} was reloaded`);
    check(inOrder(seen.modes, ["off", "listen", "whisper", "off"]), `${name} showed ${JSON.stringify(seen.modes)}`);
    const said = await page.$eval(`${sel} .monitor-mode`, (el) => el.textContent.trim());
    check(said === "Not listening", `${name} says ${said}`);
    const why = await page.$eval(`${sel} .monitor-problem`, (el) => el.textContent.trim());
    check(why === "Your phone left the call.", `${name} says why: ${why}`);
    console.log(`${name}: ${seen.modes.join(" → ")} without a reload`);
  }
  await board.screenshot({ path: join(SHOTS, "monitor-live-wallboard.png"), fullPage: true });
  check(problems.length === 0, problems.join("\n"));
  console.log("monitor live e2e ok");
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}

// The supervisor console in headless Debian Chromium, driven by Playwright (playwright-core only:
// no browser download). Run by tests/console.rs against a seeded service:
//   FD_BASE=http://127.0.0.1:PORT FD_TOKEN=<admin API token> FD_USER=<admin name>
//   FD_PASSWORD=<their password> FD_CALL=<recorded call id> FD_PHONE=<a number with a card>
//   FD_SCREENSHOTS=<dir> node tests/e2e/console.mjs
// Signs in through the login form with name and password (a wrong one first), opens the calls list and a call, plays its recording (the <audio>
// element must report a finite duration > 0), checks through the API that the play was audited,
// watches a live update arrive, works a complaint, screenshots every page, and signs out: the
// session cookie it had is refused afterwards. The API token is used only for the script's own
// API calls (machines use tokens; people use the form).
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
const TOKEN = need("FD_TOKEN");
const USER = need("FD_USER");
const PASSWORD = need("FD_PASSWORD");
const CALL = need("FD_CALL");
const PHONE = need("FD_PHONE");
const SHOTS = need("FD_SCREENSHOTS");

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function api(path, init = {}) {
  const r = await fetch(BASE + path, {
    ...init,
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", ...(init.headers || {}) },
  });
  check(r.ok, `${init.method || "GET"} ${path}: ${r.status} ${await r.clone().text()}`);
  return r.json();
}

const profile = mkdtempSync(join(tmpdir(), "fd-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  viewport: { width: 1366, height: 860 },
});
const problems = [];
try {
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(15000);
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) console.log(`HTTP ${r.status()} for ${r.url()}`);
  });
  let refusalExpected = false; // the wrong password's 401 is the point, not a problem
  page.on("console", (m) => {
    if (m.type() === "error" && !(refusalExpected && m.text().includes("401"))) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  const shot = async (name) => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    console.log(`screenshot ${name}.png`);
  };

  // Not signed in: every page leads to the login form.
  await page.goto(BASE + "/");
  check(new URL(page.url()).pathname === "/login", `expected the login page, got ${page.url()}`);
  await shot("login");
  // A wrong password shows the form again with an error, and sets no cookie.
  await page.fill("#name", USER);
  await page.fill("#password", "not the password");
  refusalExpected = true;
  const refused = page.waitForResponse((r) => r.url().endsWith("/login") && r.request().method() === "POST");
  await page.click("button.primary");
  check((await refused).status() === 401, "a wrong password was not refused with 401");
  await page.waitForSelector("p.error"); // the login page again, with its error
  refusalExpected = false;
  check((await context.cookies()).length === 0, "a cookie was set for a wrong password");
  await page.fill("#name", USER);
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForURL(BASE + "/"), page.click("button.primary")]);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "fd_session");
  check(session && session.httpOnly && session.sameSite === "Strict", `session cookie: ${JSON.stringify(cookies)}`);
  check(session.value !== TOKEN, "the cookie is the API token");

  // The calls list.
  const rows = await page.locator("#calls tbody tr").count();
  check(rows >= 10, `calls list shows ${rows} rows`);
  await shot("calls");

  // One call; play its recording.
  const audited = (await api("/api/v1/audit")).entries.length;
  await Promise.all([page.waitForURL(`**/calls/${CALL}`), page.click(`#calls a[href="/calls/${CALL}"]`)]);
  check((await page.locator("#events tbody tr").count()) >= 1, "the call has no timeline rows");
  await page.evaluate(async () => {
    const audio = document.querySelector("audio");
    audio.muted = true; // muted playback needs no user gesture
    await audio.play();
  });
  await page.waitForFunction(() => {
    const a = document.querySelector("audio");
    return a && Number.isFinite(a.duration) && a.duration > 0 && a.currentTime > 0;
  });
  const duration = await page.evaluate(() => document.querySelector("audio").duration);
  check(duration > 2.9 && duration < 3.1, `recording duration ${duration}, expected 3 s`);
  console.log(`recording plays: duration ${duration.toFixed(2)} s`);
  await page.evaluate(() => document.querySelector("audio").pause());
  await shot("call");
  const audit = (await api("/api/v1/audit")).entries;
  check(audit.length > audited, `audit log did not grow (${audited} -> ${audit.length})`);
  check(
    audit.some((e) => e.object === CALL && e.action === "recording"),
    "no audit entry for the played recording",
  );
  console.log(`audit log: ${audited} -> ${audit.length} entries`);

  // The caller's card, from the call page.
  await Promise.all([page.waitForURL(/\/clients\//), page.click(`a[href="/clients/${encodeURIComponent(PHONE)}"]`)]);
  check((await page.locator("#timeline tbody tr").count()) >= 2, "card timeline is empty");
  await shot("card");

  // Complaints: a live update arrives without a reload, then a complaint is assigned by the form.
  await page.goto(BASE + "/complaints");
  await page.waitForSelector("#live-status.on");
  await api("/api/v1/callbacks", { method: "POST", body: JSON.stringify({ phone: "+37061234888", reason: "web form" }) });
  await page.waitForSelector("#live-list li >> text=+37061234888");
  await shot("live");
  const first = page.locator("#complaints tbody tr").first();
  await first.locator("input[name=to]").fill("ben");
  await Promise.all([page.waitForLoadState("load"), first.locator("button", { hasText: "Assign" }).click()]);
  await page.waitForSelector("#complaints .tag-assigned");
  await shot("complaints");

  await page.goto(BASE + "/callbacks");
  check((await page.locator("#callbacks tbody tr[id^=cb]").count()) >= 2, "callbacks board is empty");
  await shot("callbacks");

  await page.goto(BASE + "/surveys");
  const nps = await page.textContent("#nps-score");
  check(nps.trim() === "20", `NPS shows ${nps}`);
  await shot("surveys");

  await page.goto(BASE + "/agents");
  check((await page.locator("#agents tbody tr").count()) === 2, "agents board does not list both agents");
  await shot("agents");

  // Logging out ends the session: even the old cookie, put back, is refused.
  await Promise.all([page.waitForURL(/\/login/), page.click("header button.link")]);
  await page.goto(BASE + "/");
  check(new URL(page.url()).pathname === "/login", "still signed in after logging out");
  await context.addCookies([session]);
  await page.goto(BASE + "/agents");
  check(new URL(page.url()).pathname === "/login", "the old session cookie still works after logout");
  console.log("signed out; the old session cookie is refused");

  check(problems.length === 0, problems.join("\n"));
  console.log("console e2e: ok");
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

// Reviews and the publisher dashboard in Debian's Chromium against a real
// server: user A signs up, creates a namespace and publishes a plugin from the
// dashboard's upload form; user B rates and reviews it on the plugin page; A
// replies from the dashboard; user C marks the review helpful and reports it;
// A's dashboard lists the report and draws its charts with their tables; an
// admin hides the review from the moderation queue and it leaves the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startTrellis, tarGz } from "./server.mjs";

const PASSWORD = "correct horse battery staple";
const ADMIN = "e2e-moderator";
const NS = "lumen";
const ID = `${NS}.notes`;
let server, browser, dir;

// The smallest valid wasm module exporting `run` (crates/registry/src/testkit.rs).
const WASM = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
  0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00,
  0x0b,
]);

const MANIFEST =
  `schema_version = 1\n\n[plugin]\nid = "${ID}"\ndisplay_name = "Lumen Notes"\nversion = "1.0.0"\n` +
  `kind = "tool"\ndescription = "Keeps notes next to your work."\nlicense = "MIT"\napi = "^1"\n\n` +
  `[runtime]\nentry = "plugin.wasm"\nexports = ["run"]\n`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "trellis-e2e-reviews-"));
  server = await startTrellis({ admins: [{ name: ADMIN, password: PASSWORD }] });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function hydrated(page) {
  // frontend/src/lib.rs marks <body> once hydrate() has run.
  await page.waitForSelector("body[data-hydrated]", { state: "attached", timeout: 30000 });
}

/// A new browser context signed up as `name`, with a page that records script
/// errors and Content-Security-Policy refusals.
async function user(name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  await page.goto(`${server.url}/signup`);
  await hydrated(page);
  await page.fill("#f-username", name);
  await page.fill("#f-password", PASSWORD);
  await page.fill("#f-password_confirm", PASSWORD);
  await page.click("#signup-form button[type=submit]");
  await page.waitForURL(`${server.url}/account`);
  return { context, page, errors };
}

/// A new browser context signed in as an existing user.
async function signIn(name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${server.url}/signin`);
  await hydrated(page);
  await page.fill("#f-username", name);
  await page.fill("#f-password", PASSWORD);
  await page.click("#signin-form button[type=submit]");
  await page.waitForURL(`${server.url}/account/tokens`);
  return { context, page, errors };
}

test("A publishes from the dashboard, B reviews, A replies, C marks it helpful and reports it", async () => {
  // A: a namespace and a plugin, both from the dashboard.
  const a = await user("e2e-ada");
  await a.page.click("#nav-dashboard");
  await a.page.waitForURL(`${server.url}/dashboard`);
  await hydrated(a.page);
  await a.page.fill("[data-testid=namespace-name]", NS);
  await a.page.click("[data-testid=create-namespace-form] button[type=submit]");
  await a.page.waitForURL(new RegExp(`/dashboard/namespaces/${NS}\\?done=created`));
  assert.match(await a.page.textContent("[data-testid=dash-ns-role]"), /owner/);
  const pkg = join(dir, `${ID}-1.0.0.tar.gz`);
  writeFileSync(pkg, tarGz({ "plugin.toml": MANIFEST, "README.md": "# Lumen Notes\n\nNotes.\n", "plugin.wasm": WASM }));
  await a.page.goto(`${server.url}/dashboard/publish?ns=${NS}`);
  await a.page.setInputFiles("[data-testid=publish-file]", pkg);
  await a.page.click("[data-testid=publish-submit]");
  await a.page.waitForURL(new RegExp(`/dashboard/plugins/${ID.replace(".", "\\.")}\\?done=published`));
  assert.match(await a.page.textContent("[data-testid=dash-notice]"), /published/);
  assert.equal(await a.page.locator("[data-testid=dash-version-row]").count(), 1);

  // B: rates and reviews it on the plugin page.
  const b = await user("e2e-bea");
  await b.page.goto(`${server.url}/plugins/${ID}`);
  await hydrated(b.page);
  await b.page.click("[data-testid=write-review]");
  // Nothing picked and no text: refused next to the fields, nothing lost.
  await b.page.fill("[data-testid=review-title]", "Handy");
  await b.page.$eval("[data-testid=review-form]", (f) => f.querySelectorAll("[required]").forEach((e) => e.removeAttribute("required")));
  await b.page.click("[data-testid=review-submit]");
  await b.page.waitForSelector("[data-testid=error-stars] p");
  assert.equal(await b.page.inputValue("[data-testid=review-title]"), "Handy");
  await b.page.check("[data-testid=stars-4]");
  await b.page.fill("[data-testid=review-text]", "Does what it says. Search could be faster.");
  await b.page.selectOption("[data-testid=review-api-version]", "1.0.0");
  await b.page.click("[data-testid=review-submit]");
  await b.page.waitForSelector("[data-testid=review-notice]");
  assert.match(await b.page.textContent("[data-testid=rating-average]"), /4\.0/);
  assert.match(await b.page.textContent("[data-testid=review-list]"), /Handy/);
  await b.page.waitForSelector("[data-testid=own-review]");

  // A: replies from the dashboard, where the review waits.
  await a.page.goto(`${server.url}/dashboard`);
  assert.match(await a.page.textContent("[data-testid=dash-awaiting]"), /1/);
  await a.page.goto(`${server.url}/dashboard/plugins/${ID}`);
  await hydrated(a.page);
  await a.page.fill("[data-testid=awaiting-list] [data-testid=reply-text]", "Thanks! Faster search is coming in 1.1.");
  await a.page.click("[data-testid=awaiting-list] [data-testid=reply-submit]");
  await a.page.waitForSelector("[data-testid=answered-list]");
  assert.match(await a.page.textContent("[data-testid=dash-notice]"), /reply/);
  await a.page.waitForSelector("[data-testid=rating-trend-svg]");

  // C: finds the review helpful, then reports it.
  const c = await user("e2e-cy");
  await c.page.goto(`${server.url}/plugins/${ID}`);
  await hydrated(c.page);
  assert.match(await c.page.textContent("[data-testid=review-reply]"), /Faster search is coming/);
  await c.page.click("[data-testid=helpful-toggle]");
  await c.page.waitForSelector("[data-testid=helpful-toggle][aria-pressed=true]");
  assert.match(await c.page.textContent("[data-testid=helpful-count]"), /1 person/);
  await c.page.click("[data-testid=report-toggle]");
  await c.page.selectOption("[data-testid=report-reason]", "off_topic");
  await c.page.fill("[data-testid=report-text]", "Testing the report form.");
  await c.page.click("[data-testid=report-submit]");
  await c.page.waitForSelector("[data-testid=reported]");

  // A: the dashboard shows the report (reason, not reporter) and the 90-day
  // charts, each with its table of numbers.
  await a.page.goto(`${server.url}/dashboard/plugins/${ID}`);
  await hydrated(a.page);
  const reports = a.page.locator("[data-testid=dash-report]");
  assert.equal(await reports.count(), 1);
  assert.match(await reports.first().textContent(), /1 open report: off topic/);
  assert.doesNotMatch(await reports.first().textContent(), /e2e-cy/);
  for (const chart of ["downloads", "installs"]) {
    assert.equal(await a.page.locator(`#dash-stats-${chart} svg`).count(), 1, `${chart} chart`);
    assert.ok((await a.page.locator(`#dash-stats-${chart}-table tbody tr`).count()) >= 90, `${chart} table`);
  }

  // An admin hides the review from the moderation queue.
  const m = await signIn(ADMIN);
  await m.page.click("#nav-admin");
  await m.page.waitForURL(`${server.url}/admin/moderation`);
  await hydrated(m.page);
  const item = m.page.locator(`li.reported[data-kind=review][data-plugin="${ID}"]`);
  assert.match(await item.textContent(), /off topic/);
  await item.locator("[data-testid=hide-reason]").fill("Not about the plugin.");
  await item.locator("[data-testid=hide]").click();
  await m.page.waitForSelector("[data-testid=admin-notice]");
  await m.page.goto(`${server.url}/admin/moderation?state=resolved`);
  assert.match(await m.page.textContent(`li.reported[data-plugin="${ID}"] [data-testid=state]`), /Hidden: Not about the plugin\./);
  await c.page.goto(`${server.url}/plugins/${ID}`);
  await hydrated(c.page);
  assert.equal(await c.page.locator("[data-testid=review]").count(), 0);
  // Its author still sees it, and why.
  await b.page.goto(`${server.url}/plugins/${ID}`);
  await hydrated(b.page);
  await b.page.waitForSelector("[data-testid=own-review-hidden]");

  for (const u of [a, b, c, m]) {
    assert.deepEqual(u.errors, []);
    await u.context.close();
  }
});

// One user signed in from two browsers (two contexts with their own cookies):
// the first opens /account/security, sees both sessions and signs the other
// one out in place (no page load: the page is hydrated); the second browser's
// next page load shows it is signed out.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { startTrellis } from "./server.mjs";

const PASSWORD = "correct horse battery staple";
let server, browser;

before(async () => {
  server = await startTrellis();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function hydrated(page) {
  // frontend/src/lib.rs marks <body> once hydrate() has run.
  await page.waitForSelector("body[data-hydrated]", { state: "attached", timeout: 30000 });
}

// A page in a fresh browser context that records script errors and any
// Content-Security-Policy refusal.
async function freshPage(errors) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  return page;
}

test("sign another session out from /account/security", async () => {
  const errors = [];
  const first = await freshPage(errors);
  const second = await freshPage(errors);

  await first.goto(`${server.url}/signup`);
  await hydrated(first);
  await first.fill("#f-username", "e2e-sessions");
  await first.fill("#f-password", PASSWORD);
  await first.fill("#f-password_confirm", PASSWORD);
  await first.click("#signup-form button[type=submit]");
  await first.waitForURL(`${server.url}/account`);

  await second.goto(`${server.url}/signin`);
  await hydrated(second);
  await second.fill("#f-username", "e2e-sessions");
  await second.fill("#f-password", PASSWORD);
  await second.click("#signin-form button[type=submit]");
  await second.waitForURL(`${server.url}/account/tokens`);

  await first.goto(`${server.url}/account/security`);
  await hydrated(first);
  const rows = first.locator("#session-table tbody tr");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 2, "both browsers are listed");
  assert.match(await first.textContent("#session-table tr.current"), /This session/);
  assert.match(await first.textContent("#security-log"), /Signed in/);

  // Sign the other browser out in place: no navigation may happen.
  await first.evaluate(() => (window.__marker = "still-here"));
  await first.click("#session-table tbody tr:not(.current) button:has-text('Sign out')");
  await first.waitForFunction(
    () => document.querySelectorAll("#session-table tbody tr").length === 1,
    null,
    { timeout: 15000 },
  );
  assert.equal(await first.evaluate(() => window.__marker), "still-here", "the page reloaded: not hydrated");
  assert.match(await first.textContent("#session-table tbody tr"), /This session/);
  await first.waitForSelector("#security-log >> text=Remote sign-out");

  if (process.env.TRELLIS_SCREENSHOT_SECURITY) {
    await first.setViewportSize({ width: 1280, height: 900 });
    await first.screenshot({ path: process.env.TRELLIS_SCREENSHOT_SECURITY, fullPage: true });
  }

  // The other browser is signed out on its next page load.
  await second.goto(`${server.url}/account`);
  await second.waitForSelector("text=Sign in to continue");
  assert.equal(await second.locator("#account-username").count(), 0);

  // And the first is still signed in.
  await first.goto(`${server.url}/account`);
  await first.waitForSelector("#account-username");
  assert.equal(await first.textContent("#account-username"), "e2e-sessions");

  assert.deepEqual(errors, []);
  await first.context().close();
  await second.context().close();
});

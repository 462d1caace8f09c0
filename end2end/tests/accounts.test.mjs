// Signs up, signs out, signs in, creates an API token and sees it listed, in
// Debian's Chromium. The token is created without a page load, which only
// works once the page has hydrated: this test proves hydration works.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { startTrellis } from "./server.mjs";

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

test("sign up, sign in, create an API token and see it listed", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // The pages run under a nonce-based Content-Security-Policy: nothing may be refused.
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
  });

  await page.goto(`${server.url}/signup`);
  await hydrated(page);
  await page.fill("#f-username", "e2e-alice");
  await page.fill("#f-password", "correct horse battery staple");
  await page.fill("#f-password_confirm", "correct horse battery staple");
  await page.click("#signup-form button[type=submit]");
  await page.waitForURL(`${server.url}/account`);
  await page.waitForSelector("#account-username");
  assert.equal(await page.textContent("#account-username"), "e2e-alice");

  // Sign out, then sign in again.
  await page.click("text=Sign out");
  await page.waitForURL(`${server.url}/`);
  await page.waitForSelector("a[href='/signin']");
  await page.goto(`${server.url}/signin`);
  await hydrated(page);
  await page.fill("#f-username", "e2e-alice");
  await page.fill("#f-password", "wrong password here");
  await page.click("#signin-form button[type=submit]");
  await page.waitForSelector("text=Wrong user name or password.");
  await page.fill("#f-password", "correct horse battery staple");
  await page.click("#signin-form button[type=submit]");
  await page.waitForURL(`${server.url}/account/tokens`);
  await page.waitForSelector("#no-tokens");

  // Create a token in place: no navigation may happen (proves hydration).
  await page.evaluate(() => (window.__marker = "still-here"));
  await page.fill("#f-name", "laptop");
  await page.check("input[name=scope_publish]");
  await page.click("#token-form button[type=submit]");
  const secret = (await page.textContent("#new-token-secret", { timeout: 15000 })).trim();
  assert.match(secret, /^trls_[0-9A-Za-z]{40}$/);
  assert.equal(await page.evaluate(() => window.__marker), "still-here", "the page reloaded: not hydrated");
  assert.equal(await page.inputValue("#f-name"), "", "the form is cleared for the next token");
  await page.waitForSelector("#token-table .token-name");
  assert.equal(await page.textContent("#token-table .token-name"), "laptop");
  const row = await page.textContent("#token-table tbody tr");
  assert.match(row, /read, publish/);

  // The token works against the API.
  const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).username, "e2e-alice");

  if (process.env.TRELLIS_SCREENSHOT) {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: process.env.TRELLIS_SCREENSHOT, fullPage: true });
  }
  assert.deepEqual(errors, []);
  await page.close();
});

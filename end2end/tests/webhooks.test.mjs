// The webhook console in Debian's Chromium against a real server and a local
// receiver: an admin creates an endpoint with the form, sends a test event,
// sees its attempt (refused by the receiver) and the charts, then replays it
// once the receiver recovers and sees the second, successful attempt.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { chromium } from "playwright-core";
import { startTrellis } from "./server.mjs";

const ADMIN = { name: "e2e-hookmaster", password: "correct horse battery staple" };
let server, browser, receiver, receiverUrl;
// The receiver answers 500 until `recovered`, then 200; it keeps what it got.
let recovered = false;
const got = [];

before(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(recovered ? 200 : 500, { "content-type": "text/plain" });
      res.end(recovered ? "thanks" : "not today");
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${receiver.address().port}/hooks/trellis`;
  server = await startTrellis({
    admins: [ADMIN],
    env: {
      // The receiver is on loopback, which deliveries may not reach by default.
      TRELLIS_WEBHOOKS__ALLOW_NETWORKS: "127.0.0.0/8",
      // One attempt per message: a failure is final until replayed.
      TRELLIS_WEBHOOKS__RETRY_SCHEDULE: "0s",
      TRELLIS_EVENTS__POLL_MS: "100",
    },
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  receiver?.close();
});

/// Reloads `page` until `selector` shows text matching `re` (work done by
/// background workers), for at most 20 s.
async function until(page, selector, re) {
  for (let i = 0; i < 80; i++) {
    const t = await page.locator(selector).first().textContent().catch(() => "");
    if (re.test(t || "")) return t;
    await page.waitForTimeout(250);
    await page.reload();
  }
  throw new Error(`${selector} never matched ${re}`);
}

test("an admin creates an endpoint, sends a test event, sees the attempt and the chart, and replays it", async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/signin`);
  await page.fill("#f-username", ADMIN.name);
  await page.fill("#f-password", ADMIN.password);
  await page.click("#signin-form button[type=submit]");
  await page.waitForSelector("#nav-webhooks");
  await page.click("#nav-webhooks");
  await page.waitForURL(/\/webhooks$/);
  await page.click("[data-testid=new-endpoint]");
  await page.waitForURL(/\/webhooks\/new$/);

  // A bad URL is refused next to its field, and nothing is saved.
  await page.fill("[data-testid=endpoint-url]", "ftp://example.com/nope");
  await page.check("[data-testid=event-type-all]");
  await page.click("[data-testid=endpoint-submit]");
  await page.waitForSelector("[data-testid=error-url]");

  await page.fill("[data-testid=endpoint-url]", receiverUrl);
  await page.fill("[data-testid=endpoint-description]", "Browser test receiver");
  await page.check("[data-testid=event-type-all]");
  await page.click("[data-testid=endpoint-submit]");
  await page.waitForURL(/\/webhooks\/ep_[0-9A-Z]+/);
  const endpointUrl = page.url().split("?")[0];
  assert.match(await page.textContent("h1"), /127\.0\.0\.1/);

  await page.click("[data-testid=send-test]");
  await page.waitForSelector("[data-testid=test-sent]");
  const messageLink = page.locator("[data-testid=test-sent] a").first();
  const messagePath = await messageLink.getAttribute("href");
  assert.match(messagePath, /^\/webhooks\/messages\/msg_/);

  // The attempt: refused by the receiver with a 500.
  await page.goto(`${server.url}${messagePath}`);
  await until(page, "[data-testid=attempts-table]", /500/);
  assert.match(await page.textContent("[data-testid=message-state]"), /failed/);
  assert.equal(got.length, 1);
  assert.ok(got[0].headers["webhook-signature"].startsWith("v1,"));
  assert.equal(JSON.parse(got[0].body).type, "webhook.test");

  // The endpoint's dashboard charts it.
  await page.goto(endpointUrl);
  await page.waitForSelector("[data-testid=chart-volume-svg]");
  await page.waitForSelector("[data-testid=chart-latency-svg]");
  assert.match(await page.textContent("[data-testid=stats-success-rate]"), /0(\.0)? ?%/);
  const rows = await page.locator("[data-testid=chart-volume-table] tbody tr").count();
  assert.equal(rows, 24, "a table behind the chart with every bucket");

  // The receiver recovers; replay what failed since yesterday (the default).
  recovered = true;
  await page.click("[data-testid=replay-submit]");
  await page.waitForSelector("[data-testid=replay-queued]");
  assert.match(await page.textContent("[data-testid=replay-queued]"), /1/);
  await page.goto(`${server.url}${messagePath}`);
  await until(page, "[data-testid=message-state]", /delivered/);
  const attempts = await page.locator("[data-testid=attempts-table] tbody tr").count();
  assert.ok(attempts >= 2, `two attempts shown, got ${attempts}`);
  assert.equal(got.length, 2);
  assert.equal(got[1].headers["webhook-id"], got[0].headers["webhook-id"], "same idempotency key");
  await page.close();
});

// The official plugins in Debian's Chromium against a real server (issue 14,
// point 5). The server starts as the README's run command starts it: with
// `demo.plugins_dir` naming plugins/, so it publishes the official plugins into
// the namespace `trellis` (signed, through the publish checks) before serving.
// A new user installs the Slack notifier from its page (its dependency
// trellis.notify-format comes along), points it at a local stand-in of Slack
// (the instance sends hooks.slack.com's requests to the stand-in through
// `plugins.http_overrides`), publishes a version of a plugin of their own from
// the dashboard, and sees the notification arrive in the stand-in's channel.
//
// TRELLIS_E2E_SHOTS=<dir> saves screenshots of each page, wide and phone-sized.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startTrellis, tarGz } from "./server.mjs";

const PASSWORD = "correct horse battery staple";
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PLUGINS = join(ROOT, "plugins");
const MODULES = join(PLUGINS, "target", "wasm32-unknown-unknown", "release");
const SHOTS = process.env.TRELLIS_E2E_SHOTS;
const USER = "e2e-sam";
const NS = "sams-tools";
const ID = `${NS}.pomodoro`;
let server, browser, slack;

/// The official modules, built when missing.
function ensureBuilt() {
  if (!existsSync(join(MODULES, "trellis_slack_notifier.wasm"))) {
    const r = spawnSync("bash", [join(PLUGINS, "build.sh")], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`plugins/build.sh failed:\n${r.stderr}\n${r.stdout}`);
  }
}

/// A stand-in for Slack's incoming webhooks: it keeps every POST to
/// /services/… and shows the channel at GET /.
function startSlack() {
  const got = [];
  const srv = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      if (req.method === "POST" && req.url.startsWith("/services/")) {
        got.push({ path: req.url, type: req.headers["content-type"], body: JSON.parse(body) });
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("ok");
        return;
      }
      const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]);
      const items = got.map((m) => `<li class="message">${esc(m.body.text)}</li>`).join("");
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><title>#releases (stand-in)</title><h1>#releases</h1><ul id="channel">${items}</ul>`);
    });
  });
  return new Promise((resolve) =>
    srv.listen(0, "127.0.0.1", () =>
      resolve({ got, url: `http://127.0.0.1:${srv.address().port}`, stop: () => srv.close() }),
    ),
  );
}

async function hydrated(page) {
  await page.waitForSelector("body[data-hydrated]", { state: "attached", timeout: 30000 });
}

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  const size = page.viewportSize();
  await page.screenshot({ path: join(SHOTS, `official-${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(SHOTS, `official-${name}-phone.png`), fullPage: true });
  await page.setViewportSize(size);
}

before(async () => {
  ensureBuilt();
  slack = await startSlack();
  server = await startTrellis({
    env: {
      TRELLIS_DEMO__PLUGINS_DIR: PLUGINS,
      TRELLIS_PLUGINS__ALLOW_NETWORKS: "127.0.0.0/8",
      TRELLIS_PLUGINS__HTTP_OVERRIDES: `hooks.slack.com=${slack.url}`,
    },
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  slack?.stop();
});

test("a new user installs the Slack notifier from its page, points it at Slack, publishes and sees the message", async () => {
  // The official plugins were published when the server started.
  for (const want of ["trellis.slack-notifier", "trellis.notify-format", "trellis.json-transform"]) {
    const r = await fetch(`${server.url}/api/v1/plugins/${want}`);
    assert.equal(r.status, 200, `${want} not published:\n${server.log().slice(-3000)}`);
  }

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  await page.goto(`${server.url}/signup`);
  await hydrated(page);
  await page.fill("#f-username", USER);
  await page.fill("#f-password", PASSWORD);
  await page.fill("#f-password_confirm", PASSWORD);
  await page.click("#signup-form button[type=submit]");
  await page.waitForURL(`${server.url}/account`);

  // The plugin page: README, permissions, and the install panel.
  await page.goto(`${server.url}/plugins/trellis.slack-notifier`);
  await hydrated(page);
  assert.match(await page.textContent("main"), /hooks\.slack\.com/);
  await shot(page, "01-slack-page");
  await page.selectOption("[data-testid=install-workspace]", `~${USER}`);
  await page.click("[data-testid=install-button]");
  await page.waitForURL(/\/plugins\/trellis\.slack-notifier\/install\?workspace=/);
  await hydrated(page);
  const steps = page.locator("[data-testid=plan-step]");
  assert.equal(await steps.count(), 2);
  assert.equal(await steps.nth(0).getAttribute("data-plugin"), "trellis.notify-format");
  assert.equal(await steps.nth(1).getAttribute("data-plugin"), "trellis.slack-notifier");
  assert.match(await steps.nth(1).textContent(), /hooks\.slack\.com/);
  await shot(page, "02-plan");
  await page.check("[data-testid=install-consent]");
  await page.click("[data-testid=install-submit]");
  await page.waitForURL(/\/installations\/ins_[0-9a-f]+\?done=installed/);
  const installation = new URL(page.url()).pathname;

  // Points it at the channel: the webhook URL is a secret, never shown again.
  await hydrated(page);
  const hook = "https://hooks.slack.com/services/T0E2E/B0E2E/e2e-stand-in";
  await page.fill("[data-testid=cfg-secret-SLACK_WEBHOOK_URL]", hook);
  // Which events post: a checkbox each, all ticked while unset (the default);
  // reviews are left out.
  const events = "[data-testid=cfg-field-events] input[type=checkbox]";
  assert.equal(await page.locator(events).count(), 5);
  assert.equal(await page.locator(`${events}:checked`).count(), 5);
  await page.uncheck(`${events}[value='events:4']`);
  await page.click("[data-testid=config-save]");
  await page.waitForURL(/done=configured/);
  await page.waitForSelector("[data-testid=secret-state-SLACK_WEBHOOK_URL]:text-is('set')");
  assert.equal(await page.locator(`${events}:checked`).count(), 4);
  assert.equal(await page.locator(`${events}[value='events:4']`).isChecked(), false);
  assert.doesNotMatch(await page.content(), /e2e-stand-in/);
  await shot(page, "03-configured");

  // Publishes a version of a plugin of their own, from the dashboard.
  await page.click("#nav-dashboard");
  await page.waitForURL(`${server.url}/dashboard`);
  await hydrated(page);
  await page.fill("[data-testid=namespace-name]", NS);
  await page.click("[data-testid=create-namespace-form] button[type=submit]");
  await page.waitForURL(new RegExp(`/dashboard/namespaces/${NS}\\?done=created`));
  const dir = mkdtempSync(join(tmpdir(), "trellis-e2e-official-"));
  const pkg = join(dir, `${ID}-1.0.0.tar.gz`);
  const manifest =
    `schema_version = 1\n\n[plugin]\nid = "${ID}"\ndisplay_name = "Pomodoro"\nversion = "1.0.0"\n` +
    `kind = "tool"\ndescription = "Focus timers for your notes."\nlicense = "MIT"\napi = "^1.0"\n\n` +
    `[runtime]\nentry = "plugin.wasm"\nexports = ["invoke"]\n`;
  writeFileSync(pkg, tarGz({
    "plugin.toml": manifest,
    "README.md": "# Pomodoro\n\nFocus timers.\n",
    "plugin.wasm": readFileSync(join(MODULES, "trellis_json_transform.wasm")),
  }));
  await page.goto(`${server.url}/dashboard/publish?ns=${NS}`);
  await page.setInputFiles("[data-testid=publish-file]", pkg);
  await page.click("[data-testid=publish-submit]");
  await page.waitForURL(new RegExp(`/dashboard/plugins/${ID.replace(".", "\\.")}\\?done=published`));

  // The notification arrives in the channel.
  const deadline = Date.now() + 30000;
  while (!slack.got.some((m) => JSON.stringify(m.body).includes(ID))) {
    if (Date.now() > deadline) {
      const log = await (await context.request.get(`${server.url}${installation}`)).text();
      throw new Error(`no Slack message about ${ID}: ${JSON.stringify(slack.got)}\n${log.slice(-3000)}\n${server.log().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const msg = slack.got.find((m) => JSON.stringify(m.body).includes(ID));
  assert.equal(msg.path, "/services/T0E2E/B0E2E/e2e-stand-in");
  assert.match(msg.type, /^application\/json/);
  assert.ok(Array.isArray(msg.body.blocks), JSON.stringify(msg.body));
  await page.goto(slack.url);
  assert.match(await page.textContent("#channel"), new RegExp(ID.replace(".", "\\.")));
  await shot(page, "04-channel");

  // And the installation is healthy, with the delivery in its log.
  await page.goto(`${server.url}${installation}`);
  await hydrated(page);
  await shot(page, "05-installation");
  assert.deepEqual(errors, []);
  await context.close();
});

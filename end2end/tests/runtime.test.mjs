// The plugin runtime in Debian's Chromium against a real server (issue 13,
// point 9): a publisher publishes labs.base and labs.herald (the echo test
// plugin's module with a manifest written here that depends on labs.base);
// a user installs labs.herald with its dependency from its plugin page,
// consents to the plan, configures it (a secret among the settings), writes
// a review and sees the plugin react to review.created in its log, updates it
// to 1.1.0 (which asks for network access, so consent again), rolls back and
// uninstalls it with the dependency nothing needs any more.
//
// The modules come from `bash plugins/build.sh` (run here when they are
// missing). TRELLIS_E2E_SHOTS=<dir> saves screenshots of each page, wide and
// phone-sized.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startTrellis, tarGz } from "./server.mjs";

const PASSWORD = "correct horse battery staple";
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PLUGINS = join(ROOT, "plugins");
const MODULES = join(PLUGINS, "target", "wasm32-unknown-unknown", "release");
const SHOTS = process.env.TRELLIS_E2E_SHOTS;
const USER = "e2e-rita";
const WS = `~${USER}`;
let server, browser, token;

/// The built module of a test plugin crate, building the plugins workspace first when needed.
function wasm(crate) {
  const path = join(MODULES, `${crate}.wasm`);
  if (!existsSync(path)) {
    const r = spawnSync("bash", [join(PLUGINS, "build.sh")], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`plugins/build.sh failed:\n${r.stderr}\n${r.stdout}`);
  }
  return readFileSync(path);
}

/// labs.herald at `version`: echo's module, its config schema, a dependency on
/// labs.base; 1.1.0 also asks to reach 127.0.0.1 over HTTP.
function herald(version) {
  const wider = version !== "1.0.0";
  const manifest =
    `schema_version = 1\nconfig_schema = "config.schema.json"\n\n[plugin]\nid = "labs.herald"\n` +
    `display_name = "Labs Herald"\nversion = "${version}"\nkind = "agent"\n` +
    `description = "Hears what happens in your workspace and writes it to its log."\n` +
    `license = "Apache-2.0"\napi = "^1.0"\n\n[runtime]\nentry = "plugin.wasm"\n` +
    `exports = ["init", "on_event", "invoke", "health"]\n\n[permissions]\n` +
    `host_functions = ["log", "config_get", "kv_get", "kv_set", "emit_event", "secret_get"${wider ? ', "http_request"' : ""}]\n` +
    `secrets = ["ECHO_TOKEN"]\n${wider ? 'network = ["127.0.0.1"]\n' : ""}\n` +
    `[events]\nsubscribe = ["review.*"]\npublish = ["echo.received"]\n\n` +
    `[dependencies]\n"labs.base" = "^1"\n`;
  return tarGz({
    "plugin.toml": manifest,
    "README.md": "# Labs Herald\n\nWrites what it hears to its log.\n",
    "plugin.wasm": wasm("labs_echo"),
    "config.schema.json": readFileSync(join(PLUGINS, "testing", "echo", "config.schema.json")),
  });
}

function base() {
  return tarGz({
    "plugin.toml": readFileSync(join(PLUGINS, "testing", "base", "plugin.toml")),
    "README.md": readFileSync(join(PLUGINS, "testing", "base", "README.md")),
    "plugin.wasm": wasm("labs_base"),
  });
}

async function api(method, path, body, headers = {}) {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...headers },
    body,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const publish = (pkg) => api("PUT", "/api/v1/plugins", pkg, { "content-type": "application/gzip" });

async function hydrated(page) {
  // frontend/src/lib.rs marks <body> once hydrate() has run.
  await page.waitForSelector("body[data-hydrated]", { state: "attached", timeout: 30000 });
}

/// Saves the page wide and phone-sized when TRELLIS_E2E_SHOTS names a directory.
async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  const size = page.viewportSize();
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(size);
}

/// A new browser context signed up as `name`, recording script errors and
/// Content-Security-Policy refusals.
async function user(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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

before(async () => {
  wasm("labs_echo");
  server = await startTrellis();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  // The publisher: a namespace and the two plugins, through the API.
  const p = await user("e2e-publisher");
  const r = await p.context.request.post(`${server.url}/api/v1/tokens`, {
    data: { name: "e2e", scopes: ["read", "publish"] },
    headers: { origin: server.url },
  });
  assert.equal(r.status(), 201, await r.text());
  token = (await r.json()).secret;
  await p.context.close();
  await api("POST", "/api/v1/namespaces", JSON.stringify({ name: "labs" }), { "content-type": "application/json" });
  await publish(base());
  await publish(herald("1.0.0"));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("install with a dependency, consent, configure, react to an event, update with re-consent, roll back, uninstall", async () => {
  const u = await user(USER);
  const { page } = u;

  // The plugin page: the install panel leads to the plan.
  await page.goto(`${server.url}/plugins/labs.herald`);
  await hydrated(page);
  await shot(page, "01-plugin-page");
  await page.selectOption("[data-testid=install-workspace]", WS);
  await page.click("[data-testid=install-button]");
  await page.waitForURL(new RegExp(`/plugins/labs\\.herald/install\\?workspace=`));
  await hydrated(page);
  const steps = page.locator("[data-testid=plan-step]");
  assert.equal(await steps.count(), 2);
  assert.equal(await steps.nth(0).getAttribute("data-plugin"), "labs.base");
  assert.equal(await steps.nth(1).getAttribute("data-plugin"), "labs.herald");
  assert.match(await steps.nth(1).textContent(), /secret_get.*read the secrets listed in permissions\.secrets/s);
  assert.match(await steps.nth(0).textContent(), /needed by labs\.herald/);
  await shot(page, "02-install-plan");
  await page.check("[data-testid=install-consent]");
  await page.click("[data-testid=install-submit]");
  await page.waitForURL(/\/installations\/ins_[0-9a-f]+\?done=installed/);
  await page.waitForSelector("[data-testid=runtime-notice]");
  const here = new URL(page.url()).pathname;

  // Settings: a greeting and the secret token; the secret is only "set" afterwards.
  await hydrated(page);
  assert.equal(await page.textContent("[data-testid=secret-state-ECHO_TOKEN]"), "not set");
  await page.fill("[data-testid=cfg-input-greeting]", "hi from the browser");
  await page.fill("[data-testid=cfg-input-repeat]", "9");
  await page.fill("[data-testid=cfg-secret-ECHO_TOKEN]", "e2e-secret-value");
  // Out of range: refused under the field, what was typed kept.
  await page.$eval("[data-testid=config-form]", (f) => f.setAttribute("novalidate", ""));
  await page.click("[data-testid=config-save]");
  await page.waitForSelector("[data-testid=cfg-field-repeat].has-error");
  assert.equal(await page.inputValue("[data-testid=cfg-input-greeting]"), "hi from the browser");
  await shot(page, "03-settings-refused");
  await page.fill("[data-testid=cfg-input-repeat]", "2");
  await page.click("[data-testid=config-save]");
  await page.waitForURL(/done=configured/);
  await page.waitForSelector("[data-testid=secret-state-ECHO_TOKEN]:text-is('set')");
  assert.equal(await page.inputValue("[data-testid=cfg-input-greeting]"), "hi from the browser");
  assert.doesNotMatch(await page.content(), /e2e-secret-value/);

  // Invoke: the plugin reads its settings and its secret.
  await hydrated(page);
  await page.fill("[data-testid=invoke-input]", '{"hello": "plugin"}');
  await page.click("[data-testid=invoke-submit]");
  await page.waitForSelector("[data-testid=invoke-result][data-ok=true]");
  const out = await page.textContent("[data-testid=invoke-result]");
  assert.match(out, /"has_token": true/);
  assert.match(out, /hi from the browser/);

  // An event: the user writes a review; the plugin hears review.created (after
  // commit, through a job) and logs it.
  await page.goto(`${server.url}/plugins/labs.herald`);
  await hydrated(page);
  await page.click("[data-testid=write-review]");
  await page.check("[data-testid=stars-5]");
  await page.fill("[data-testid=review-title]", "It listens");
  await page.fill("[data-testid=review-text]", "Installed it from this page; it logs my reviews.");
  await page.click("[data-testid=review-submit]");
  await page.waitForSelector("[data-testid=review-notice]");
  const deadline = Date.now() + 30000;
  for (;;) {
    await page.goto(`${server.url}${here}`);
    const log = await page.textContent("#log");
    if (/received review\.created/.test(log)) break;
    if (Date.now() > deadline) throw new Error(`no review.created in the log:\n${log}\n${server.log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await hydrated(page);
  await shot(page, "04-installation");

  // 1.1.0 asks for network access: the update goes through consent again.
  await publish(herald("1.1.0"));
  await page.click("#nav-plugins");
  await page.waitForURL(`${server.url}/workspaces/${WS}`);
  await hydrated(page);
  const row = page.locator("[data-testid=ws-row][data-plugin='labs.herald']");
  assert.match(await row.locator("[data-testid=update-available]").textContent(), /1\.1\.0 available \(asks for more permissions\)/);
  await shot(page, "05-workspace");
  await row.locator("[data-testid=update]").click();
  await page.waitForURL(/\/installations\/ins_[0-9a-f]+\/update\?version=1\.1\.0/);
  await hydrated(page);
  const plan = await page.textContent("[data-testid=plan]");
  assert.match(plan, /127\.0\.0\.1/);
  assert.match(plan, /http_request/);
  assert.doesNotMatch(plan, /secret_get/, "only what is new");
  await shot(page, "06-update-consent");
  await page.check("[data-testid=consent]");
  await page.click("[data-testid=consent-submit]");
  await page.waitForURL(/done=updated/);
  await page.waitForSelector("[data-testid=installed-version]:text-is('1.1.0')");

  // Roll back: 1.0.0 asks for nothing new.
  await hydrated(page);
  await page.click("[data-testid=rollback]");
  await page.waitForURL(/done=rolled_back/);
  await page.waitForSelector("[data-testid=installed-version]:text-is('1.0.0')");

  // Uninstall, with the dependency nothing needs any more.
  await page.goto(`${server.url}/workspaces/${WS}`);
  await hydrated(page);
  await page.locator("[data-testid=ws-row][data-plugin='labs.herald'] [data-testid=uninstall]").click();
  await page.waitForURL(/\/uninstall$/);
  await hydrated(page);
  assert.match(await page.textContent("[data-testid=unused-deps]"), /labs\.base/);
  assert.ok(await page.isChecked("[data-testid=remove-unused]"));
  await shot(page, "07-uninstall");
  await page.click("[data-testid=uninstall-submit]");
  await page.waitForURL(`${server.url}/workspaces/${WS}?done=uninstalled`);
  await page.waitForSelector("[data-testid=ws-empty]");
  const left = await (await fetch(`${server.url}/api/v1/plugins/labs.herald`)).json();
  assert.equal(left.id, "labs.herald");

  assert.deepEqual(u.errors, []);
  await u.context.close();
});

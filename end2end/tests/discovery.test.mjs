// The marketplace pages in Debian's Chromium against a real server: three
// plugins are published through the REST API (a publisher signs up in the
// browser, mints a publish token, creates a namespace and PUTs packages), then
// search (typo, facets in the URL), autocomplete by keyboard, the plugin page
// (README and download chart), the same pages with JavaScript disabled (the
// header's search box included) and on a phone-sized screen.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { startTrellis, tarGz } from "./server.mjs";

const PASSWORD = "correct horse battery staple";
const NS = "orchard";
let server, browser, token;

// The smallest valid wasm module exporting `run` (crates/registry/src/testkit.rs).
const WASM = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
  0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00,
  0x0b,
]);

const PLUGINS = [
  {
    name: "calendar-sync",
    display: "Calendar Sync",
    kind: "integration",
    description: "Keeps team calendars in step across providers.",
    categories: ["productivity"],
    keywords: ["calendar", "sync"],
    extra: 'repository = "https://example.com/orchard/calendar-sync"\n',
    permissions: '[permissions]\nnetwork = ["calendar.example.com"]\n',
    readme: "# Calendar Sync\n\nMirrors events between **calendars** every few minutes.\n",
  },
  {
    name: "log-watch",
    display: "Log Watch",
    kind: "agent",
    description: "Watches application logs and reports unusual errors.",
    categories: ["monitoring"],
    keywords: ["logs"],
    extra: "",
    permissions: "",
    readme: "# Log Watch\n\nReads logs and raises alerts.\n",
  },
  {
    name: "test-runner",
    display: "Test Runner",
    kind: "tool",
    description: "Runs a project's test suite and summarises failures.",
    categories: ["testing", "developer-tools"],
    keywords: ["testing"],
    extra: "",
    permissions: "",
    readme: "# Test Runner\n\nRuns tests.\n",
  },
];

function manifest(p) {
  const list = (xs) => `[${xs.map((x) => JSON.stringify(x)).join(", ")}]`;
  return (
    `schema_version = 1\n\n[plugin]\nid = "${NS}.${p.name}"\ndisplay_name = "${p.display}"\n` +
    `version = "1.0.0"\nkind = "${p.kind}"\ndescription = "${p.description}"\nlicense = "MIT"\n` +
    `api = "^1"\ncategories = ${list(p.categories)}\nkeywords = ${list(p.keywords)}\n${p.extra}\n` +
    `[runtime]\nentry = "plugin.wasm"\nexports = ["run"]\n\n${p.permissions}`
  );
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

async function waitFor(what, check, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {}
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${server.log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(async () => {
  server = await startTrellis();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  // A publisher signs up and mints a publish token with their session.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/signup`);
  await hydrated(page);
  await page.fill("#f-username", "e2e-orchard");
  await page.fill("#f-password", PASSWORD);
  await page.fill("#f-password_confirm", PASSWORD);
  await page.click("#signup-form button[type=submit]");
  await page.waitForURL(`${server.url}/account`);
  const r = await context.request.post(`${server.url}/api/v1/tokens`, {
    data: { name: "e2e", scopes: ["read", "publish"] },
    headers: { origin: server.url },
  });
  assert.equal(r.status(), 201, await r.text());
  token = (await r.json()).secret;
  await context.close();

  await api("POST", "/api/v1/namespaces", JSON.stringify({ name: NS }), { "content-type": "application/json" });
  for (const p of PLUGINS) {
    const pkg = tarGz({ "plugin.toml": manifest(p), "README.md": p.readme, "plugin.wasm": WASM });
    await api("PUT", "/api/v1/plugins", pkg, { "content-type": "application/gzip" });
  }
  // Three downloads for the chart; counts reach the database at the next flush.
  for (let i = 0; i < 3; i++) {
    const d = await fetch(`${server.url}/api/v1/plugins/${NS}.calendar-sync/versions/1.0.0/download`);
    assert.equal(d.status, 200);
    await d.arrayBuffer();
  }
  await waitFor("the downloads to be flushed", async () =>
    (await api("GET", `/api/v1/plugins/${NS}.calendar-sync/downloads`)).total >= 3);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function hydrated(page) {
  // frontend/src/lib.rs marks <body> once hydrate() has run.
  await page.waitForSelector("body[data-hydrated]", { state: "attached", timeout: 30000 });
}

// A page that records script errors and Content-Security-Policy refusals.
async function watchedPage(errors, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  return page;
}

// Waits until the search index lists every published plugin.
async function indexed() {
  await waitFor("the search index to list the plugins", async () => {
    const r = await fetch(`${server.url}/api/v1/search?q=`);
    return r.ok && (await r.json()).total >= PLUGINS.length;
  });
}

const resultIds = (page) => page.$$eval("#results [data-plugin-id]", (els) => els.map((e) => e.dataset.pluginId));

// The search page listing every plugin, hydrated, with a mark a page load would wipe.
async function hydratedSearchPage(errors) {
  await indexed();
  const page = await watchedPage(errors);
  await page.goto(`${server.url}/search`);
  await hydrated(page);
  assert.equal((await resultIds(page)).length, 3);
  await page.evaluate(() => (window.__marker = "still-here"));
  return page;
}

// Fails when `page` was loaded again since `hydratedSearchPage` marked it.
async function assertInPlace(page, what) {
  assert.equal(await page.evaluate(() => window.__marker), "still-here", what);
}

test("the plugin page shows its README, versions, permissions and download chart", async () => {
  const errors = [];
  const page = await watchedPage(errors);
  await page.goto(`${server.url}/plugins/${NS}.calendar-sync`);
  await hydrated(page);
  assert.equal(await page.textContent("#plugin-name"), "Calendar Sync");
  assert.equal((await page.textContent("#readme .readme h1")).trim(), "Calendar Sync");
  assert.equal(await page.textContent("#readme .readme strong"), "calendars");
  assert.match(await page.textContent("#version-table"), /1\.0\.0/);
  assert.match(await page.textContent("#permissions"), /calendar\.example\.com/);
  assert.match(await page.getAttribute("#download-latest", "href"), /\/versions\/1\.0\.0\/download$/);
  // The chart: 90 bars drawn on the server, labelled, with its numbers in a table.
  assert.equal(await page.locator("#download-chart svg rect.bar").count(), 90);
  assert.equal(await page.getAttribute("#download-chart svg", "role"), "img");
  assert.match(await page.textContent("#chart-desc"), /^3 downloads in the 90 days/);
  assert.equal(await page.locator("#download-table tbody tr").count(), 90);
  const counted = await page.$$eval("#download-table tbody td:last-child", (tds) => tds.reduce((s, td) => s + Number(td.textContent), 0));
  assert.equal(counted, 3);
  assert.deepEqual(errors, []);
});

test("a search with a typo finds the plugin", async () => {
  await indexed();
  const errors = [];
  const page = await watchedPage(errors);
  await page.goto(`${server.url}/search?q=calender`);
  assert.ok((await resultIds(page)).includes(`${NS}.calendar-sync`), "the typo still finds Calendar Sync");
  assert.ok(await page.locator("#results mark").count() > 0, "the match is highlighted");
  assert.deepEqual(errors, []);
});

test("a facet narrows the results and the URL reflects it", async () => {
  const errors = [];
  const page = await hydratedSearchPage(errors);
  await page.check("fieldset[data-facet=kind] input[value=agent]");
  await page.waitForURL(/[?&]kind=agent/);
  await waitFor("the results to narrow", async () => (await resultIds(page)).length === 1);
  assert.deepEqual(await resultIds(page), [`${NS}.log-watch`]);
  await assertInPlace(page, "narrowed in place, without a page load");
  // The URL is the search: loading it afresh shows the same results.
  const again = await watchedPage(errors);
  await again.goto(page.url());
  assert.deepEqual(await resultIds(again), [`${NS}.log-watch`]);
  assert.ok(await again.isChecked("fieldset[data-facet=kind] input[value=agent]"));
  assert.deepEqual(errors, []);
});

test("results update in place as one types, and Back returns to the search before", async () => {
  const errors = [];
  const page = await hydratedSearchPage(errors);
  // Typing searches after a pause, in place; the address and the title follow.
  await page.fill("#search-input", "calendar");
  await page.waitForURL(/\/search\?q=calendar$/);
  await waitFor("the results to follow the text", async () => (await resultIds(page))[0] === `${NS}.calendar-sync`);
  assert.match(await page.title(), /^calendar — Search/);
  // A link to another search (a filter chip) is answered in place too, as a new history entry.
  await page.check("fieldset[data-facet=kind] input >> nth=0");
  await page.waitForURL(/[?&]kind=/);
  await page.click("ul.chips a.chip >> nth=0");
  await page.waitForURL(/\/search\?q=calendar$/);
  await assertInPlace(page, "no page load");
  await page.goBack();
  await page.waitForURL(/[?&]kind=/);
  await waitFor("Back to show the filtered search", async () =>
    (await page.locator("fieldset[data-facet=kind] input:checked").count()) === 1);
  await assertInPlace(page, "no page load");
  assert.deepEqual(errors, []);
});

test("autocomplete works with the keyboard", async () => {
  await indexed();
  const errors = [];
  const page = await watchedPage(errors);
  await page.goto(`${server.url}/`);
  await hydrated(page);
  const box = page.locator("#home-search");
  await box.pressSequentially("cal", { delay: 40 });
  await page.waitForSelector("#home-search-list [role=option]");
  assert.equal(await box.getAttribute("aria-expanded"), "true");
  await box.press("Escape");
  assert.equal(await box.getAttribute("aria-expanded"), "false");
  await box.press("ArrowDown");
  assert.equal(await box.getAttribute("aria-expanded"), "true");
  const active = await box.getAttribute("aria-activedescendant");
  assert.ok(active, "an option is active");
  assert.equal(await page.getAttribute(`#${active}`, "aria-selected"), "true");
  assert.match(await page.textContent(`#${active}`), /calendar-sync/);
  await box.press("Enter");
  await page.waitForURL(`${server.url}/plugins/${NS}.calendar-sync`);
  await page.waitForSelector("#plugin-name");
  assert.deepEqual(errors, []);
});

test("the pages work with JavaScript disabled", async () => {
  await indexed();
  const errors = [];
  const page = await watchedPage(errors, { javaScriptEnabled: false });
  await page.goto(`${server.url}/`);
  assert.ok(await page.locator("#popular, #new").count() > 0, "the home page lists plugins");
  await page.fill("#home-search", "log");
  await page.press("#home-search", "Enter");
  await page.waitForURL(/\/search\?q=log/);
  assert.ok((await resultIds(page)).includes(`${NS}.log-watch`));

  await page.goto(`${server.url}/search`);
  await page.check("fieldset[data-facet=category] input[value=testing]");
  await page.click("#apply-filters");
  await page.waitForURL(/[?&]category=testing/);
  assert.deepEqual(await resultIds(page), [`${NS}.test-runner`]);

  await page.goto(`${server.url}/plugins/${NS}.calendar-sync`);
  assert.equal((await page.textContent("#readme .readme h1")).trim(), "Calendar Sync");
  assert.equal(await page.locator("#download-chart svg rect.bar").count(), 90);
  // The header's search box is a plain GET form too.
  await page.fill("#nav-search", "calendar");
  await page.press("#nav-search", "Enter");
  await page.waitForURL(/\/search\?q=calendar/);
  assert.ok((await resultIds(page)).includes(`${NS}.calendar-sync`));
  assert.equal(await page.getAttribute("#nav-browse", "href"), "/search");

  await page.goto(`${server.url}/namespaces/${NS}`);
  assert.equal((await resultIds(page)).length, 3);
  await page.goto(`${server.url}/categories/monitoring`);
  assert.deepEqual(await resultIds(page), [`${NS}.log-watch`]);

  const missing = await page.goto(`${server.url}/plugins/${NS}.nothing-here`);
  assert.equal(missing.status(), 404);
  const lost = await page.goto(`${server.url}/no/such/page`);
  assert.equal(lost.status(), 404);
  assert.ok(await page.locator("#not-found form[action='/search'] input[name=q]").count() === 1);
  assert.deepEqual(errors, []);
});

test("on a phone the pages fit the screen, the chart stays legible and results come first", async () => {
  await indexed();
  const errors = [];
  const page = await watchedPage(errors, { viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  await page.goto(`${server.url}/plugins/${NS}.calendar-sync`);
  assert.ok(await fits(), "the plugin page does not scroll sideways");
  const table = await page.$eval("#version-table", (t) => [t.scrollWidth, t.parentElement.clientWidth]);
  assert.ok(table[0] <= table[1], `the versions table fits its panel (${table})`);
  const sizes = await page.$$eval("#download-chart .chart-y span, #download-chart .chart-x span",
    (els) => els.map((e) => parseFloat(getComputedStyle(e).fontSize)));
  assert.equal(sizes.length, 6, "three values and three dates");
  assert.ok(sizes.every((px) => px >= 12), `axis text is at least 12px (${sizes})`);

  await page.goto(`${server.url}/search?q=calendar`);
  assert.ok(await fits(), "the search page does not scroll sideways");
  assert.ok(await page.isVisible("#results"));
  assert.equal(await page.isVisible("fieldset[data-facet=kind]"), false, "the filters are folded away");
  await page.click("label[for=refine-open]");
  assert.ok(await page.isVisible("fieldset[data-facet=kind]"), "and unfold without JavaScript");
  assert.deepEqual(errors, []);
});

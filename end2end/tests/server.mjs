// Starts a real Trellis server for a browser test: its own data directory and
// free port on loopback, stopped (SIGTERM) when the test ends. Also `tarGz`, the
// package archives the tests publish.
import { gzipSync } from "node:zlib";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/// Options: `env` (extra TRELLIS_* settings), `admins` ([{ name, password }]
/// created with `trellis admin create-user --admin` before the server starts).
export async function startTrellis({ env = {}, admins = [] } = {}) {
  const bin = process.env.TRELLIS_BIN;
  const siteRoot = process.env.TRELLIS_SITE_ROOT;
  if (!bin || !siteRoot) throw new Error("set TRELLIS_BIN and TRELLIS_SITE_ROOT (scripts/test.sh does)");
  const dataDir = mkdtempSync(join(tmpdir(), "trellis-e2e-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const childEnv = {
    PATH: process.env.PATH,
    TRELLIS_LISTEN: `127.0.0.1:${port}`,
    TRELLIS_PUBLIC_URL: url,
    TRELLIS_DATA_DIR: dataDir,
    TRELLIS_SITE_ROOT: siteRoot,
    TRELLIS_LOG__LEVEL: "warn",
    // A fresh data directory is seeded with the demo catalogue unless told not
    // to; the tests publish exactly what they look for.
    TRELLIS_DEMO__SEED: "false",
    ...env,
  };
  for (const a of admins) {
    const r = spawnSync(bin, ["admin", "create-user", a.name, "--admin", "--password-stdin"], {
      env: childEnv,
      input: a.password,
    });
    if (r.status !== 0) throw new Error(`create admin ${a.name}: ${r.stderr}`);
  }
  const child = spawn(bin, ["serve"], {
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  for (let i = 0; i < 150; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {}
    if (child.exitCode !== null) throw new Error(`trellis exited early:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log: () => log,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// A .tar.gz of regular files (ustar headers), as `trellis package` writes one:
// `{ "plugin.toml": text, "plugin.wasm": buffer, … }`.
export function tarGz(files) {
  const blocks = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const h = Buffer.alloc(512);
    const put = (s, off, len) => h.write(s, off, len, "ascii");
    put(name, 0, 100);
    put("0000644\0", 100, 8);
    put("0000000\0", 108, 8);
    put("0000000\0", 116, 8);
    put(data.length.toString(8).padStart(11, "0") + "\0", 124, 12);
    put(Math.floor(Date.now() / 1000).toString(8).padStart(11, "0") + "\0", 136, 12);
    put("        ", 148, 8);
    put("0", 156, 1);
    put("ustar\0", 257, 6);
    put("00", 263, 2);
    let sum = 0;
    for (const b of h) sum += b;
    put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

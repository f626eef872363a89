// Browser test: the real web chat page (botframework-webchat) in Debian's chromium, driven by
// playwright-core, against the real host over the Direct Line subset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const config = process.env.CONFIG || 'Release';
const dll = join(root, 'src', 'SwarmAgentBot.Host', 'bin', config, 'net10.0', 'swarm.dll');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

let host, browser, baseUrl, dataDir;
let hostLog = '';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function waitForHealth(url, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (host.exitCode !== null) throw new Error('host exited early:\n' + hostLog);
    try { if ((await fetch(url)).ok) return; } catch { /* not up yet */ }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error('host did not become healthy in time:\n' + hostLog);
}

before(async () => {
  assert.ok(existsSync(dll), `build first: ${dll} is missing`);
  assert.ok(existsSync(chromiumPath), `Debian chromium is required at ${chromiumPath} (./build.sh test installs it)`);
  dataDir = mkdtempSync(join(tmpdir(), 'swarm-e2e-'));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  host = spawn('dotnet', [dll, 'serve', '--urls', baseUrl], {
    env: { ...process.env, Swarm__DataDir: dataDir, Swarm__Knowledge__Path: join(root, 'knowledge') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  host.stdout.on('data', d => { hostLog += d; });
  host.stderr.on('data', d => { hostLog += d; });
  await waitForHealth(`${baseUrl}/healthz`, 60_000);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  if (host && host.exitCode === null) {
    host.kill('SIGTERM');
    await new Promise(r => { host.once('exit', r); setTimeout(r, 5000); });
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('the web chat page answers "help"', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(baseUrl + '/');
  const input = page.locator('[data-id="webchat-sendbox-input"]');
  await input.waitFor({ timeout: 30_000 });
  await input.fill('help');
  await input.press('Enter');
  await page.getByText('Here is what I can do', { exact: false }).first().waitFor({ timeout: 30_000 });
  const out = join(root, 'tests', 'e2e', 'out');
  mkdirSync(out, { recursive: true });
  await page.screenshot({ path: join(out, 'webchat-help.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

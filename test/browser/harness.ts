import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempDir, waitFor } from '@hourmeter/testkit';
import axe from 'axe-core';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const ROOT = new URL('../../', import.meta.url).pathname;
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The real server process (console included) on a fresh data dir, until `stop()`. */
export interface RunningServer {
  /** http://127.0.0.1:<port>, where the API and the console are. */
  base: string;
  /** The process's HM_DATA_DIR (its SQLite file, for a test that must seed what has no API). */
  dataDir: string;
  out: () => string;
  /** Calls the API with the admin key (throws on a non-2xx answer, with its body). */
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startServer(env: Record<string, string> & { HM_ADMIN_KEY: string }, args: string[] = []): Promise<RunningServer> {
  const dir = tempDir();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'services/server/src/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, HM_DATA_DIR: dir.path, HM_HTTP_PORT: '0', HM_HTTP_HOST: '127.0.0.1', HM_MQTT_PORT: '0', HM_MQTT_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  await waitFor('the server to listen', () => out.includes('"hourmeter listening"'), { timeoutMs: 60_000 });
  const base = (JSON.parse(out.split('\n').find((l) => l.includes('"hourmeter listening"'))!) as { address: string }).address;
  return {
    base,
    dataDir: dir.path,
    out: () => out,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${env.HM_ADMIN_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      dir.cleanup();
    },
  };
}

/**
 * Debian chromium with a fresh profile, and what the page did wrong: console
 * errors, uncaught exceptions and every 4xx answer to a request the page made
 * (the view's own mistakes; a test expects none).
 */
export async function launchChromium(): Promise<{ context: BrowserContext; page: Page; problems: string[]; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'hm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    // A 4xx is reported once, below, with its URL; Chromium's own line about it adds nothing.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && r.status() < 500) problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}


/** axe-core's serious and critical violations on the page as it is now (rule, impact, first offending nodes). */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  // Evaluated, not added as a <script>: the console's Content-Security-Policy (rightly) refuses inline scripts.
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(axe.source);
  // A string, run in the page (the test's own types have no DOM).
  const violations = await page.evaluate<{ id: string; impact: string | null; help: string; targets: string[] }[]>(`(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    // No rule passed at all would mean axe looked at nothing: that must not read as "no violations".
    if (r.passes.length === 0) throw new Error('axe-core checked nothing on this page');
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  })()`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id} (${v.help}): ${v.targets.join(', ')}`);
}

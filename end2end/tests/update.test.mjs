// A new release reaches a phone on its next visit, with a small notice, and
// a page never runs one release's HTML with another release's wasm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSawda, launchBrowser, phone, ready, texts, outputDir, repoRoot, keptForOffline } from './support.mjs';

let browser;
let site;

before(async () => {
  browser = await launchBrowser();
  // A copy of the built site, so the test can make "the next release" of it.
  site = mkdtempSync(join(tmpdir(), 'sawda-site-'));
  cpSync(process.env.SAWDA_SITE ?? join(repoRoot, 'target', 'site'), site, { recursive: true });
});

after(async () => {
  await browser?.close();
  rmSync(site, { recursive: true, force: true });
});

const releaseOf = async (page) => (await page.getAttribute('link[rel="stylesheet"]', 'href')).split('/')[2];

// On a page that runs the app: the home page is drawn without it (app/src/shell.rs).
test('the next release is picked up on the next visit with a notice', async () => {
  let sawda = await startSawda({ site });
  const { port } = new URL(sawda.url);
  const { context, page, problems } = await phone(browser, { locale: 'en-GB' });
  await page.goto(`${sawda.url}/studio`);
  await ready(page);
  await keptForOffline(page);
  const first = await releaseOf(page);
  assert.match(first, /^[0-9a-f]{16}$/);
  await sawda.stop();

  // The next release: its style sheet changed (and so its name).
  appendFileSync(join(site, 'pkg', 'sawda.css'), '\n/* the next release */\n');
  rmSync(join(site, 'pkg', 'sawda.css.br'), { force: true });
  rmSync(join(site, 'pkg', 'sawda.css.gz'), { force: true });
  sawda = await startSawda({ site, addr: `127.0.0.1:${port}` });
  try {
    await page.goto(`${sawda.url}/studio`);
    await ready(page);
    const notice = page.locator('.new-version');
    await notice.waitFor({ timeout: 30_000 });
    assert.match(await notice.textContent(), new RegExp(texts.en['new_version.ready']));
    await page.screenshot({ path: join(outputDir, 'new-version-notice-360.png') });
    // Whichever release the page is, its HTML and bundle are the same one.
    const shown = await releaseOf(page);
    const loaded = await page.evaluate(() => performance.getEntriesByType('resource')
      .map((r) => new URL(r.name).pathname).filter((p) => p.startsWith('/pkg/')).map((p) => p.split('/')[2]));
    assert.ok(loaded.length > 0);
    assert.ok(loaded.every((release) => release === shown), `${shown} vs ${loaded}`);

    // "Reload": the new worker takes over, the page reloads into the new release,
    // and only the new release stays cached.
    await Promise.all([page.waitForEvent('load'), notice.locator('button').click()]);
    await ready(page);
    const second = await releaseOf(page);
    assert.notEqual(second, first);
    await page.waitForFunction(async (release) => {
      const names = await caches.keys();
      return names.length === 1 && names[0] === `sawda-${release}`;
    }, second, { timeout: 30_000 });
    assert.equal(await page.locator('.new-version').count(), 0);

    // And the new release works offline.
    await context.setOffline(true);
    await page.reload();
    await ready(page);
    assert.equal(await releaseOf(page), second);
    // The studio asks who is signed in: nobody, a 401 the browser logs.
    assert.deepEqual(problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED') && !p.includes('401 (Unauthorized)')), []);
  } finally {
    await context.close();
    await sawda.stop();
  }
});

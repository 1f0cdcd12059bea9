/**
 * The dashboard of a fresh server, before any weekly post: every view says there is nothing yet, in Korean and
 * English, without errors and without serious axe findings.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, type LocalServer, startLocalServer } from '../support/localServer.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';
import {
  expectNoHorizontalScroll,
  launchChromium,
  newSharedContext,
  openPage,
  PHONES,
  requirePrerequisites,
  screenshot,
  seriousAxeViolations,
  setDevice,
} from './harness.js';

describe('the dashboard with no data yet', () => {
  let dataDir: TempDir;
  let server: LocalServer;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    requirePrerequisites();
    dataDir = await makeTempDir('til-web-empty');
    [server, browser] = await Promise.all([startLocalServer({ DATA_DIR: dataDir.path }), launchChromium()]);
    context = await newSharedContext(browser);
    expect((await getJson<string[]>(server, '/api/months')).body).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await dataDir?.remove();
  });

  it('the month view says there is no weekly post yet, in Korean and in English', async () => {
    const { page, problems, close } = await openPage(context);
    await page.goto(`${server.url}/`);
    const empty = page.locator('[data-state="empty"]');
    await empty.waitFor();
    expect(await empty.innerText()).toContain('아직 주간 게시글이 없습니다');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'empty-desktop-light');
    for (const viewport of PHONES) {
      await setDevice(page, { viewport, colorScheme: 'dark' });
      await expectNoHorizontalScroll(page);
    }
    await screenshot(page, 'empty-phone-dark');

    await page.goto(`${server.url}/?lang=en`);
    await page.locator('[data-state="empty"]').waitFor();
    expect(await page.locator('[data-state="empty"]').innerText()).toContain('No weekly post yet');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(problems).toEqual([]);
    await close();
  });

  it('the history view is empty too, and an unknown member is not found', async () => {
    const { page, problems, close } = await openPage(context);
    await page.goto(`${server.url}/?view=history`);
    await page.locator('[data-view="history"] [data-state="empty"]').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.goto(`${server.url}/?member=U0NOBODY`);
    await page.locator('[data-state="member-not-found"]').waitFor();
    expect(problems).toEqual([]);
    await close();
  });
});

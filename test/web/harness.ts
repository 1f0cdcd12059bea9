import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { previousMonth, weekOfInstant, weeksOfMonth } from '../../functions/domain/calendar.js';
import type { FakeSlack } from '../support/fakeSlack.js';
import { getJson, type LocalServer, postSlackEvent, tick, waitUntilIdle } from '../support/localServer.js';
import { reaction, reply, tsAt } from '../support/slackPayloads.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const ZONE = 'Asia/Seoul';
export const SCREENSHOT_DIR = join(repoRoot, 'test-results', 'screenshots');
const AXE_PATH = join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js');

export const DESKTOP = { width: 1280, height: 900 };
export const PHONES = [
  { width: 360, height: 740 },
  { width: 390, height: 844 },
];
export const PHONE = { width: 390, height: 844 };

/** Fails (never skips) when what the browser tests need is missing. */
export function requirePrerequisites(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: the dashboard's browser tests need it (apt-get install -y chromium)`,
    );
  }
  if (!existsSync(join(repoRoot, 'web', 'dist', 'index.html'))) {
    throw new Error(
      'web/dist/index.html is missing: build the dashboard first (npm run build:web, or npm test, which builds it)',
    );
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface OpenedPage {
  page: Page;
  /** Console errors, uncaught exceptions and CSP violations seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/**
 * The one browser context the tests share (new pages in one context are much cheaper than new contexts); every
 * page in it reports Content-Security-Policy violations as console errors.
 */
export async function newSharedContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'ko-KR', timezoneId: 'UTC' });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return context;
}

/** Sets a page's viewport and colour scheme (what a phone, or a dark-mode desktop, shows). */
export async function setDevice(
  page: Page,
  device: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' },
): Promise<void> {
  await page.setViewportSize(device.viewport ?? DESKTOP);
  await page.emulateMedia({ colorScheme: device.colorScheme ?? 'light' });
}

/** A new page whose console errors, page errors and CSP violations are recorded in `problems`. */
export async function openPage(
  context: BrowserContext,
  device: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {},
): Promise<OpenedPage> {
  const page = await context.newPage();
  await setDevice(page, device);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, problems, close: () => page.close() };
}

/** Runs axe-core in the page and returns its serious and critical violations. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  // page.evaluate runs through the DevTools protocol, which the page's CSP does not govern; an inline
  // <script> from addScriptTag would be (rightly) refused by script-src 'self'.
  const hasAxe = await page.evaluate(() => 'axe' in window);
  if (!hasAxe) await page.evaluate(readFileSync(AXE_PATH, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    interface AxeViolation {
      id: string;
      impact?: string | null;
      help: string;
      nodes: { target: unknown[] }[];
    }
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? '',
      help: v.help,
      targets: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 5),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.targets.join(', ')}`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px viewport`).toBeLessThanOrEqual(
    innerWidth,
  );
}

/** The figure with data-figure=`key`, as the number on screen. */
export async function figureOnScreen(page: Page, key: string): Promise<number> {
  const text = await page.locator(`[data-figure="${key}"] .figure-value`).innerText();
  return Number(text.replace(/[^\d]/g, ''));
}

export const numberIn = (text: string) => Number(text.replace(/[^\d]/g, ''));

// ---------------------------------------------------------------------------------------------------------------
// Putting a challenge into the server through its signed Slack ingress.

export interface Stats {
  month: string;
  timeZone: string;
  weeks: {
    key: string;
    ordinal: number;
    label: string;
    startsOn: string;
    deadline: string;
    threadTs: string;
    participants: number;
    likes: number;
    threadUrl?: string | null;
    skipped?: boolean;
  }[];
  members: {
    userId: string;
    name: string;
    weeks: string[];
    submissions: number;
    likes: number;
    challenger: boolean;
    passes?: string[];
  }[];
  challengers: string[];
  specialChallengers: string[];
}

export interface History {
  timeZone: string;
  months: {
    month: string;
    weeks: number;
    participants: number;
    submissions: number;
    likes: number;
    challengers: string[];
    specialChallengers: string[];
  }[];
  members: {
    userId: string;
    name: string;
    weeksTakenPart: number;
    submissions: number;
    likes: number;
    currentStreak: number;
    longestStreak: number;
    challengerMonths: string[];
  }[];
}

export const MEMBERS = [
  { id: 'U0WEB0001', name: '김민준', attendance: 1 },
  { id: 'U0WEB0002', name: '이서연', attendance: 1 },
  { id: 'U0WEB0003', name: '박도윤', attendance: 0.85 },
  { id: 'U0WEB0004', name: '최지우', attendance: 0.7 },
  { id: 'U0WEB0005', name: '정하은', attendance: 0.55 },
  { id: 'U0WEB0006', name: '강시우', attendance: 0.45 },
  { id: 'U0WEB0007', name: 'Alex Kim', attendance: 0.35 },
];

/** A small deterministic PRNG (mulberry32), so every run feeds the same challenge. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTS = [
  'https://velog.io/@{u}/til-{n}',
  'https://{u}.github.io/til/{n}',
  'https://blog.naver.com/{u}/{n}',
];

/**
 * Three months up to the real current week (so the month view has a week in progress): every week's Monday post
 * by an admin tick, then replies with blog links and 👍 from other members as signed Slack events.
 */
export async function seedChallenge(
  server: LocalServer,
  fake: FakeSlack,
  clock: { set(ms: number): void },
): Promise<{ months: string[]; currentWeekKey: string }> {
  for (const m of MEMBERS) fake.setUser(m.id, { name: m.name, isBot: false });
  const now = Date.now();
  const current = weekOfInstant(now, ZONE);
  const months = [previousMonth(previousMonth(current.month)), previousMonth(current.month), current.month];
  const weeks = months
    .flatMap((month) => weeksOfMonth(month, ZONE))
    .filter((w) => w.startMs <= current.startMs);
  const rand = random(20261123);
  let micros = 0;

  for (const month of months) {
    // The month's weekly posts first (its award, due on the next month's first Monday, is computed then), ...
    const monthWeeks = weeks.filter((w) => w.month === month);
    for (const week of monthWeeks) {
      const postAt = week.startMs + 9 * 3600_000;
      clock.set(postAt);
      await tick(server, new Date(postAt).toISOString());
    }
    const stats = (await getJson<Stats>(server, `/api/stats?month=${month}`)).body;
    // ... then every reply and 👍 of the month at once: the queue orders them per session.
    const events: unknown[] = [];
    for (const week of monthWeeks) {
      const threadTs = stats.weeks.find((w) => w.key === week.key)?.threadTs;
      if (!threadTs) throw new Error(`week ${week.key} was not posted`);
      const postAt = week.startMs + 9 * 3600_000;
      // Replies fall between the post and the deadline (or now, for the week in progress).
      const until = Math.min(week.deadlineMs - 60_000, Math.max(now, postAt + 3600_000));
      const at = () => postAt + 60_000 + Math.floor(rand() * (until - postAt - 120_000));
      const submissions: { ts: string; author: string; ms: number }[] = [];
      for (const member of MEMBERS) {
        if (rand() > member.attendance) continue;
        const count = rand() < 0.15 ? 2 : 1;
        for (let n = 0; n < count; n++) {
          const ms = at();
          const ts = tsAt(new Date(ms).toISOString(), ++micros);
          const url = HOSTS[micros % HOSTS.length]!.replace('{u}', member.id.toLowerCase()).replace(
            '{n}',
            String(micros),
          );
          events.push(reply({ user: member.id, ts, threadTs, text: `이번 주 TIL: <${url}|${week.label}>` }));
          submissions.push({ ts, author: member.id, ms });
        }
      }
      for (const submission of submissions) {
        for (const liker of MEMBERS) {
          if (liker.id === submission.author || rand() > 0.35) continue;
          const eventMs = Math.min(submission.ms + 60_000 + Math.floor(rand() * 3600_000), until);
          events.push(
            reaction({
              user: liker.id,
              itemTs: submission.ts,
              itemUser: submission.author,
              eventTs: tsAt(new Date(eventMs).toISOString(), ++micros),
              name: rand() < 0.3 ? 'thumbsup' : '+1',
            }),
          );
        }
      }
    }
    clock.set(Math.min(now, weeks.filter((w) => w.month === month).at(-1)!.deadlineMs));
    // Slack has them too: the award's re-sync reads the threads back.
    for (const body of events) fake.applyEvent(body);
    const answers = await Promise.all(events.map((body) => postSlackEvent(server, body)));
    const refused = answers.filter((a) => a.status !== 200);
    if (refused.length > 0) throw new Error(`${refused.length} events refused: ${refused[0]?.status}`);
    await waitUntilIdle(server);
  }
  return { months: [...months].reverse(), currentWeekKey: current.key };
}

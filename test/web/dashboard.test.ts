/**
 * The built dashboard (web/dist) in headless Chromium, served by the real local server, whose store is filled
 * through the signed Slack ingress: what is on screen must be what the read API says, in every view, state,
 * language, colour scheme and screen size, with no console error, no CSP violation and no serious axe finding.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import { getJson, type LocalServer, startLocalServer } from '../support/localServer.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';
import {
  DESKTOP,
  expectNoHorizontalScroll,
  figureOnScreen,
  type History,
  launchChromium,
  newSharedContext,
  numberIn,
  type OpenedPage,
  openPage,
  PHONE,
  PHONES,
  requirePrerequisites,
  type Stats,
  screenshot,
  seedChallenge,
  seriousAxeViolations,
  setDevice,
} from './harness.js';

const BOT_TOKEN = 'xoxb-web-test';

type Viewport = { width: number; height: number };
type Scheme = 'light' | 'dark';

describe('the dashboard in Chromium against the local server', () => {
  let fake: FakeSlack;
  let dataDir: TempDir;
  let server: LocalServer;
  let browser: Browser;
  let context: BrowserContext;
  let months: string[];
  let currentWeekKey: string;
  let history: History;
  const statsCache = new Map<string, Stats>();
  const opened: (OpenedPage & { allowed: RegExp[] })[] = [];

  const stats = async (month: string): Promise<Stats> => {
    const cached = statsCache.get(month);
    if (cached) return cached;
    const { status, body } = await getJson<Stats>(server, `/api/stats?month=${month}`);
    expect(status).toBe(200);
    statsCache.set(month, body);
    return body;
  };

  beforeAll(async () => {
    requirePrerequisites();
    let clockMs = Date.now();
    fake = await startFakeSlack({ token: BOT_TOKEN, now: () => clockMs });
    dataDir = await makeTempDir('til-web');
    server = await startLocalServer({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: fake.url,
      DATA_DIR: dataDir.path,
      LIKE_DM: 'off',
    });
    const [seeded, launched] = await Promise.all([
      seedChallenge(server, fake, {
        set: (ms) => {
          clockMs = ms;
        },
      }),
      launchChromium(),
    ]);
    browser = launched;
    context = await newSharedContext(browser);
    currentWeekKey = seeded.currentWeekKey;
    months = (await getJson<string[]>(server, '/api/months')).body;
    expect(months).toEqual(seeded.months);
    const answer = await getJson<History>(server, '/api/history');
    expect(answer.status).toBe(200);
    history = answer.body;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await fake?.close();
    await dataDir?.remove();
  });

  afterEach(async () => {
    const pages = opened.splice(0);
    const problems = pages.flatMap((o) => o.problems.filter((p) => !o.allowed.some((re) => re.test(p))));
    if (home) problems.push(...home.problems.splice(0));
    await Promise.all(pages.map((o) => o.close()));
    expect(problems, 'console errors, page errors or CSP violations').toEqual([]);
  });

  /**
   * The default view (/), opened once and shared by the tests that only read it (and the sort test, which only
   * reorders rows): a page load is the slowest step of these tests.
   */
  let home: (OpenedPage & { csp: string }) | undefined;
  async function homePage(): Promise<Page> {
    if (!home) {
      const o = await openPage(context);
      const response = await o.page.goto(`${server.url}/`);
      expect(response?.status()).toBe(200);
      home = Object.assign(o, { csp: response?.headers()['content-security-policy'] ?? '' });
      await monthShown(o.page, months[0]!);
    }
    return home.page;
  }

  async function open(path: string, options: { viewport?: Viewport; colorScheme?: Scheme } = {}) {
    const o = Object.assign(await openPage(context, options), { allowed: [] as RegExp[] });
    opened.push(o);
    const response = await o.page.goto(`${server.url}${path}`);
    expect(response?.status()).toBe(200);
    return o;
  }

  const search = (page: Page) => new URL(page.url()).searchParams;

  async function monthShown(page: Page, month: string) {
    await page.locator(`[data-view="month"][data-month="${month}"] [data-figure="participants"]`).waitFor();
  }

  async function expectMonthFigures(page: Page, month: string) {
    const s = await stats(month);
    expect(await figureOnScreen(page, 'participants')).toBe(
      s.members.filter((m) => m.weeks.length > 0).length,
    );
    expect(await figureOnScreen(page, 'submissions')).toBe(s.members.reduce((n, m) => n + m.submissions, 0));
    expect(await figureOnScreen(page, 'likes')).toBe(s.members.reduce((n, m) => n + m.likes, 0));
    expect(await figureOnScreen(page, 'challengers')).toBe(s.challengers.length);
  }

  /** The numbers of one column of the member table, top to bottom. */
  const columnValues = (page: Page, col: string) =>
    page
      .locator(`.members-table tbody tr [data-col="${col}"]`)
      .evaluateAll((cells) => cells.map((c) => (c as HTMLElement).innerText));

  it('serves the dashboard under a Content-Security-Policy that allows only its own scripts and styles', async () => {
    const page = await homePage();
    expect(home!.csp).toContain("script-src 'self'");
    expect(home!.csp).toContain("style-src 'self'");
    // No inline script or style element made it into the built page.
    const inline = await page.evaluate(() => ({
      scripts: [...document.scripts].filter((s) => !s.src).length,
      styles: document.querySelectorAll('style').length,
    }));
    expect(inline).toEqual({ scripts: 0, styles: 0 });
  });

  it('the month view opens the newest month and shows its figures, weeks, leaderboard and members as the API has them', async () => {
    const page = await homePage();
    const month = months[0]!;
    await monthShown(page, month);
    await expectMonthFigures(page, month);
    const s = await stats(month);
    expect(await page.locator('.month-picker select').inputValue()).toBe(month);

    // The chart and its text equivalent: one row per week with the API's participants and likes.
    await page.locator('.weeks-card canvas').first().waitFor();
    const chartHost = page.locator('.weeks-card [role="img"]');
    const describedBy = await chartHost.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${describedBy}"]`).count()).toBe(1);
    for (const week of s.weeks) {
      const row = page.locator(`.weeks-table tr[data-week="${week.key}"]`);
      expect(numberIn(await row.locator('[data-col="participants"]').innerText())).toBe(week.participants);
      expect(numberIn(await row.locator('[data-col="likes"]').innerText())).toBe(week.likes);
    }

    // Member table: every member once, with the API's figures and badges.
    expect(await page.locator('.members-table tbody tr').count()).toBe(s.members.length);
    const posted = s.weeks.filter((w) => !w.skipped).length;
    for (const m of s.members) {
      const row = page.locator(`.members-table tr[data-row="${m.userId}"]`);
      expect(await row.locator('[data-col="name"]').innerText()).toBe(m.name);
      expect(await row.locator('.weeks-count').innerText()).toBe(`${m.weeks.length}/${posted}`);
      expect(numberIn(await row.locator('[data-col="submissions"]').innerText())).toBe(m.submissions);
      expect(numberIn(await row.locator('[data-col="likes"]').innerText())).toBe(m.likes);
      const badge = (await row.locator('[data-col="badge"]').innerText()).trim();
      if (s.specialChallengers.includes(m.userId)) expect(badge).toContain('스페셜 챌린저');
      else if (m.challenger) expect(badge).toBe('챌린저');
      else expect(badge).toBe('');
    }

    // Leaderboard: the most liked members, most first, with their likes.
    const liked = s.members.filter((m) => m.likes > 0);
    const leaders = await page.locator('.leaders li').evaluateAll((items) =>
      items.map((li) => ({
        user: (li as HTMLElement).dataset.user ?? '',
        name: (li.querySelector('.leader-name a') as HTMLElement).innerText,
        likes: (li.querySelector('.leader-likes') as HTMLElement).innerText,
      })),
    );
    expect(leaders.length).toBe(Math.min(5, liked.length));
    expect(leaders.length).toBeGreaterThan(0);
    const shownLikes = leaders.map((l) => numberIn(l.likes));
    expect([...shownLikes].sort((a, b) => b - a)).toEqual(shownLikes);
    for (const leader of leaders) {
      const member = s.members.find((m) => m.userId === leader.user);
      expect(member?.name).toBe(leader.name);
      expect(numberIn(leader.likes)).toBe(member?.likes);
    }
    const notShown = liked.filter((m) => !leaders.some((l) => l.user === m.userId));
    for (const m of notShown) expect(m.likes).toBeLessThanOrEqual(Math.min(...shownLikes));
  });

  it('shows the week in progress with its deadline, the time left and its Slack thread', async () => {
    const page = await homePage();
    await monthShown(page, months[0]!);
    const week = (await stats(months[0]!)).weeks.find((w) => w.key === currentWeekKey);
    expect(week, 'the seeded current week is in the newest month').toBeDefined();
    const card = page.locator(`.current-week[data-week="${currentWeekKey}"]`);
    await card.waitFor();
    expect(await card.locator('h2').innerText()).toBe(week!.label);
    expect(await card.locator('.time-left').innerText()).toMatch(
      /^(\d+일 \d+시간|\d+시간 \d+분|\d+분) 남음$/,
    );
    expect(await card.innerText()).toContain(`지금까지 ${week!.participants}명 참여`);
    const link = card.locator('a.button');
    if (week!.threadUrl) expect(await link.getAttribute('href')).toBe(week!.threadUrl);
    else expect(await link.count()).toBe(0);
  });

  it('the member table sorts by a column header, toggling the order, and says so with aria-sort', async () => {
    const page = await homePage();
    await monthShown(page, months[0]!);
    const header = page.locator('.members-table th[data-col="submissions"]');
    await header.locator('button').click();
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    const desc = (await columnValues(page, 'submissions')).map(numberIn);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await header.locator('button').press('Enter');
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    const asc = (await columnValues(page, 'submissions')).map(numberIn);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    expect(await page.locator('.members-table th[data-col="likes"]').getAttribute('aria-sort')).toBeNull();

    await page.locator('.members-table th[data-col="name"] button').click();
    const names = await columnValues(page, 'name');
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'ko-KR')));
  });

  it('previous, next and the picker change ?month= and the figures; back goes back', async () => {
    expect(months.length).toBeGreaterThanOrEqual(3);
    const { page } = await open('/');
    await monthShown(page, months[0]!);
    expect(await page.locator('[data-action="next-month"]').isDisabled()).toBe(true);

    await page.locator('[data-action="previous-month"]').click();
    await monthShown(page, months[1]!);
    expect(search(page).get('month')).toBe(months[1]);
    await expectMonthFigures(page, months[1]!);

    await page.locator('.month-picker select').selectOption(months[2]!);
    await monthShown(page, months[2]!);
    expect(search(page).get('month')).toBe(months[2]);
    await expectMonthFigures(page, months[2]!);
    expect(await page.locator('[data-action="previous-month"]').isDisabled()).toBe(months.length === 3);

    await page.locator('[data-action="next-month"]').click();
    await monthShown(page, months[1]!);
    expect(search(page).get('month')).toBe(months[1]);

    await page.goBack();
    await monthShown(page, months[2]!);
    expect(search(page).get('month')).toBe(months[2]);
    await expectMonthFigures(page, months[2]!);
  });

  it('a deep link ?month= opens that month', async () => {
    const { page } = await open(`/?month=${months[1]}`);
    await monthShown(page, months[1]!);
    expect(await page.locator('.month-picker select').inputValue()).toBe(months[1]);
    await expectMonthFigures(page, months[1]!);
    expect(await page.locator('.members-table tbody tr').count()).toBe(
      (await stats(months[1]!)).members.length,
    );
  });

  it('a month with no data and a malformed ?month= say so and link to the newest month', async () => {
    const { page } = await open('/?month=2001-01');
    const unknown = page.locator('[data-state="unknown-month"]');
    await unknown.waitFor();
    expect(await unknown.innerText()).toContain('2001년 1월');
    await unknown.locator('a').click();
    await monthShown(page, months[0]!);
    expect(search(page).get('month')).toBe(months[0]);

    for (const raw of ['2026-13', 'november']) {
      await page.goto(`${server.url}/?month=${raw}`);
      const invalid = page.locator('[data-state="invalid-month"]');
      await invalid.waitFor();
      expect(await invalid.innerText()).toContain(raw);
      expect(await invalid.locator('a').getAttribute('href')).toBe(`?month=${months[0]}`);
    }
  });

  it('an API error shows an error with a retry button, and the retry loads the month once the API answers', async () => {
    const o = Object.assign(await openPage(context), { allowed: [/Failed to load resource.*500/] });
    opened.push(o);
    const { page } = o;
    await page.route('**/api/**', (route) => route.fulfill({ status: 500, body: 'injected failure' }));
    await page.goto(`${server.url}/`);
    const error = page.locator('[data-state="error"]');
    await error.waitFor();
    expect(await error.getAttribute('role')).toBe('alert');
    await page.unroute('**/api/**');
    await error.getByRole('button', { name: '다시 시도' }).click();
    await monthShown(page, months[0]!);
    await expectMonthFigures(page, months[0]!);
  });

  it('weeks marked skipped and members with passes are shown as such when the API carries them', async () => {
    const real = await stats(months[1]!);
    const skippedKey = real.weeks[1]!.key;
    const passKey = real.weeks[2]!.key;
    const withExtras: Stats = {
      ...real,
      weeks: real.weeks.map((w) => (w.key === skippedKey ? { ...w, skipped: true } : w)),
      members: real.members.map((m, i) => ({ ...m, passes: i === 0 ? [passKey] : [] })),
    };
    const p = Object.assign(await openPage(context), { allowed: [] as RegExp[] });
    opened.push(p);
    await p.page.route('**/api/stats?month=*', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(withExtras) }),
    );
    await p.page.goto(`${server.url}/?month=${months[1]}`);
    await monthShown(p.page, months[1]!);
    const skippedRow = p.page.locator(`.weeks-table tr[data-week="${skippedKey}"]`);
    expect(await skippedRow.locator('.badge-skipped').count()).toBe(1);
    expect(await skippedRow.locator('[data-col="participants"]').innerText()).toBe('–');
    expect(await p.page.locator('.members-table th[data-col="passes"]').count()).toBe(1);
    const first = withExtras.members[0]!;
    const firstRow = p.page.locator(`.members-table tr[data-row="${first.userId}"]`);
    expect(numberIn(await firstRow.locator('[data-col="passes"]').innerText())).toBe(1);
    expect(await firstRow.locator('.week-dot-pass').count()).toBe(first.weeks.includes(passKey) ? 0 : 1);
    expect(await firstRow.locator('.week-dot-skipped').count()).toBe(1);
    // A skipped week counts for nobody: not in the member's weeks, not in the weeks to take part in.
    const counted = first.weeks.filter((k) => k !== skippedKey).length;
    expect(await firstRow.locator('.weeks-count').innerText()).toBe(`${counted}/${real.weeks.length - 1}`);
    await screenshot(p.page, 'month-skipped-week-desktop-light');
  });

  it('a week skipped before it was posted (no thread) is listed in its place as skipped, with no thread link', async () => {
    const real = await stats(months[1]!);
    const [first, ...rest] = real.weeks;
    // What /api/stats answers after `/til admin skip` of a week never posted: no thread, no figures.
    const unposted = { ...first!, threadTs: '', threadUrl: null, skipped: true, participants: 0, likes: 0 };
    const withSkipped: Stats = { ...real, weeks: [unposted, ...rest] };
    const p = Object.assign(await openPage(context), { allowed: [] as RegExp[] });
    opened.push(p);
    await p.page.route('**/api/stats?month=*', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(withSkipped) }),
    );
    await p.page.goto(`${server.url}/?month=${months[1]}`);
    await monthShown(p.page, months[1]!);
    const rows = p.page.locator('.weeks-table tbody tr');
    expect(await rows.first().getAttribute('data-week')).toBe(unposted.key);
    const row = p.page.locator(`.weeks-table tr[data-week="${unposted.key}"]`);
    expect(await row.getAttribute('class')).toContain('is-skipped');
    expect(await row.locator('.badge-skipped').innerText()).toBe('건너뜀');
    expect(await row.locator('a').count()).toBe(0);
    expect(await row.locator('[data-col="participants"]').innerText()).toBe('–');
  });

  it('the history view shows every month and every member as /api/history has them', async () => {
    const { page } = await open('/');
    await monthShown(page, months[0]!);
    await page.getByRole('navigation').getByRole('link', { name: '전체 기록' }).click();
    await page.locator('[data-view="history"] [data-figure="months"]').waitFor();
    expect(search(page).get('view')).toBe('history');
    expect(await page.getByRole('link', { name: '전체 기록' }).getAttribute('aria-current')).toBe('page');

    expect(await figureOnScreen(page, 'months')).toBe(history.months.length);
    expect(await figureOnScreen(page, 'members')).toBe(
      history.members.filter((m) => m.weeksTakenPart > 0).length,
    );
    expect(await figureOnScreen(page, 'submissions')).toBe(
      history.months.reduce((n, m) => n + m.submissions, 0),
    );
    expect(await figureOnScreen(page, 'likes')).toBe(history.months.reduce((n, m) => n + m.likes, 0));

    const names = new Map(history.members.map((m) => [m.userId, m.name]));
    expect(await page.locator('.months-table tbody tr').count()).toBe(history.months.length);
    for (const m of history.months) {
      const row = page.locator(`.months-table tr[data-row="${m.month}"]`);
      for (const key of ['weeks', 'participants', 'submissions', 'likes'] as const) {
        expect(numberIn(await row.locator(`[data-col="${key}"]`).innerText()), `${m.month} ${key}`).toBe(
          m[key],
        );
      }
      const chips = await row
        .locator('[data-col="challengers"] li')
        .evaluateAll((lis) => lis.map((li) => (li as HTMLElement).innerText.replace('★', '').trim()));
      expect(chips).toEqual(m.challengers.map((id) => names.get(id) ?? id));
      expect(await row.locator('.chip-special').count()).toBe(m.specialChallengers.length);
    }

    expect(await page.locator('.streaks-table tbody tr').count()).toBe(history.members.length);
    for (const m of history.members) {
      const row = page.locator(`.streaks-table tr[data-row="${m.userId}"]`);
      expect(await row.locator('[data-col="name"]').innerText()).toBe(m.name);
      for (const key of [
        'currentStreak',
        'longestStreak',
        'weeksTakenPart',
        'submissions',
        'likes',
      ] as const) {
        expect(numberIn(await row.locator(`[data-col="${key}"]`).innerText()), `${m.name} ${key}`).toBe(
          m[key],
        );
      }
      expect(numberIn(await row.locator('[data-col="challengerMonths"]').innerText())).toBe(
        m.challengerMonths.length,
      );
    }
    await page.getByRole('navigation').getByRole('link', { name: '월별 현황' }).click();
    await monthShown(page, months[0]!);
  });

  it("the member view, reached from a name in the member table, shows that member's record across months", async () => {
    const member = [...history.members].sort(
      (a, b) => b.challengerMonths.length - a.challengerMonths.length,
    )[0]!;
    expect(member.challengerMonths.length).toBeGreaterThan(0);
    const { page } = await open(`/?month=${months[0]}`);
    await monthShown(page, months[0]!);
    await page.locator(`.members-table tr[data-row="${member.userId}"] [data-col="name"] a`).click();
    await page.locator(`[data-view="member"][data-member="${member.userId}"]`).waitFor();
    expect(search(page).get('member')).toBe(member.userId);
    expect(await page.locator('h1').innerText()).toContain(member.name);
    for (const key of ['weeksTakenPart', 'submissions', 'likes', 'currentStreak', 'longestStreak'] as const) {
      expect(await figureOnScreen(page, key), key).toBe(member[key]);
    }
    const chips = await page
      .locator('.challenger-months li')
      .evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.month));
    expect(chips).toEqual(member.challengerMonths);

    await page.locator('.member-months-table tbody tr').first().waitFor();
    for (const m of history.months) {
      const entry = (await stats(m.month)).members.find((x) => x.userId === member.userId);
      const row = page.locator(`.member-months-table tr[data-row="${m.month}"]`);
      expect(numberIn(await row.locator('[data-col="submissions"]').innerText())).toBe(
        entry?.submissions ?? 0,
      );
      expect(numberIn(await row.locator('[data-col="likes"]').innerText())).toBe(entry?.likes ?? 0);
      expect(
        numberIn(
          await row
            .locator('.weeks-count')
            .innerText()
            .then((t) => t.split('/')[0]!),
        ),
      ).toBe(entry?.weeks.length ?? 0);
    }
    await page.goBack();
    await monthShown(page, months[0]!);
  });

  it('an unknown member gets a clear not-found state', async () => {
    const { page } = await open('/?member=U0NOBODY99');
    const notFound = page.locator('[data-state="member-not-found"]');
    await notFound.waitFor();
    expect(await notFound.innerText()).toContain('U0NOBODY99');
  });

  it('?lang=en renders English, sets <html lang>, and keeps the language while navigating', async () => {
    const { page } = await open('/?lang=en');
    await monthShown(page, months[0]!);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    const nav = page.getByRole('navigation');
    expect(await nav.innerText()).toContain('History');
    expect(await page.locator('[data-figure="participants"] dt').innerText()).toBe('Participants');
    expect(await page.locator('h1').innerText()).toMatch(/^[A-Z][a-z]+ \d{4}$/);
    await expectMonthFigures(page, months[0]!);
    const body = await page.locator('main').innerText();
    for (const korean of ['참여자', '좋아요', '주차', '남음', '멤버']) expect(body).not.toContain(korean);

    await page.locator('[data-action="previous-month"]').click();
    await monthShown(page, months[1]!);
    expect(search(page).get('lang')).toBe('en');
    await nav.getByRole('link', { name: 'History' }).click();
    await page.locator('[data-view="history"] [data-figure="months"]').waitFor();
    expect(search(page).get('lang')).toBe('en');
    expect(await page.locator('h1').innerText()).toBe('History');

    await page.getByRole('link', { name: '한국어' }).click();
    await page.locator('[data-view="history"] [data-figure="months"]').waitFor();
    expect(search(page).get('lang')).toBeNull();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ko');
    expect(await page.locator('h1').innerText()).toBe('전체 기록');
  });

  /** Two animation frames: React has rendered and ResizeObserver callbacks (the chart's width) have run. */
  const settle = (page: Page) =>
    page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

  it('on phones (360×740, 390×844) nothing scrolls sideways and the member table is a list of cards', async () => {
    const s = await stats(months[0]!);
    const { page } = await open('/', { viewport: PHONES[0] });
    await page.locator('.members-table .card-list').waitFor();
    expect(await page.locator('.members-table table').count()).toBe(0);
    expect(await page.locator('.members-table .card-list > li').count()).toBe(s.members.length);
    for (const m of s.members) {
      const card = page.locator(`.members-table li[data-row="${m.userId}"]`);
      expect(await card.locator('[data-col="name"]').innerText()).toBe(m.name);
      expect(numberIn(await card.locator('[data-col="likes"] dd').innerText())).toBe(m.likes);
      expect(numberIn(await card.locator('[data-col="submissions"] dd').innerText())).toBe(m.submissions);
    }
    // The phone's sort picker sorts the cards.
    await page.locator('.members-table .card-sort select').selectOption('submissions');
    const values = await page
      .locator('.members-table li [data-col="submissions"] dd')
      .evaluateAll((dds) => dds.map((d) => Number((d as HTMLElement).innerText.replace(/\D/g, ''))));
    expect(values).toEqual([...values].sort((a, b) => b - a));

    const member = history.members[0]!;
    for (const path of ['/', '/?view=history', `/?member=${member.userId}`, '/?month=2001-01']) {
      if (path !== '/') await page.goto(`${server.url}${path}`);
      await page.locator('[data-view] .figures, [data-state]').first().waitFor();
      await page.locator('[aria-busy="true"]').waitFor({ state: 'detached' });
      for (const viewport of PHONES) {
        await setDevice(page, { viewport });
        await settle(page);
        await expectNoHorizontalScroll(page);
      }
    }
  });

  const views = () => [
    { name: 'month', path: '/', ready: '[data-view="month"] .weeks-card canvas' },
    { name: 'history', path: '/?view=history', ready: '[data-view="history"] canvas' },
    {
      name: 'member',
      path: `/?member=${history.members[0]!.userId}`,
      ready: '.member-months-table [data-row]',
    },
  ];

  for (const name of ['month', 'history', 'member'] as const) {
    it(`the ${name} view, light and dark, desktop and phone: no serious or critical axe violation; screenshots of each`, async () => {
      const view = views().find((v) => v.name === name)!;
      const { page } = await open(view.path);
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const [device, viewport] of [
          ['desktop', DESKTOP],
          ['phone', PHONE],
        ] as const) {
          await setDevice(page, { viewport, colorScheme });
          await page.locator(view.ready).first().waitFor();
          await page.locator('[aria-busy="true"]').waitFor({ state: 'detached' });
          await settle(page);
          await screenshot(page, `${view.name}-${device}-${colorScheme}`);
          // axe on the desktop layout in both schemes, and on the phone layout (cards instead of tables) in light.
          if (device === 'desktop' || colorScheme === 'light') {
            expect(await seriousAxeViolations(page), `${view.name} ${device} ${colorScheme}`).toEqual([]);
          }
        }
      }
    });
  }

  it('the error, unknown-month and English views pass axe too', async () => {
    const unknown = await open('/?month=2001-01');
    await unknown.page.locator('[data-state="unknown-month"]').waitFor();
    expect(await seriousAxeViolations(unknown.page)).toEqual([]);
    await screenshot(unknown.page, 'unknown-month-desktop-light');

    const english = await open('/?lang=en', { colorScheme: 'dark' });
    await english.page.locator('.weeks-card canvas').waitFor();
    expect(await seriousAxeViolations(english.page)).toEqual([]);
    await screenshot(english.page, 'month-desktop-dark-en');

    const failing = Object.assign(await openPage(context, { viewport: PHONE }), {
      allowed: [/Failed to load resource.*500/],
    });
    opened.push(failing);
    await failing.page.route('**/api/**', (route) =>
      route.fulfill({ status: 500, body: 'injected failure' }),
    );
    await failing.page.goto(`${server.url}/`);
    await failing.page.locator('[data-state="error"]').waitFor();
    expect(await seriousAxeViolations(failing.page)).toEqual([]);
    await screenshot(failing.page, 'error-phone-light');
  });
});

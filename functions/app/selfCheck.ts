/**
 * The start-up self-check (SPEC 9): who the token is (auth.test), whether the bot is in TIL_CHANNEL_ID
 * (conversations.info) and whether Slack granted every scope the manifest asks for (auth.test's `x-oauth-scopes`).
 * Each outcome is logged once and each problem told to the admins once; `/api/health` shows the last report.
 *
 * A token Slack refuses (`invalid_auth`, `token_revoked`, …), found here or by any later call, pauses event
 * processing instead of letting every event fail: the host stops its consumer (locally) or holds the delivery
 * (Azure, see `whenTokenWorks`), the token is checked again every `recheckMs`, and events flow once it works.
 */
import { SlackCallError, type SlackPort } from '../adapters/slack/slack.js';
import type { SelfCheckAlert } from '../messages/selfCheckTemplates.js';
import { describeError, type Logger } from './logger.js';

/** Slack's answers that mean the token itself is refused: nothing works until someone fixes it. */
export const TOKEN_REFUSED_CODES = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
]);

export const isTokenRefused = (error: unknown): error is SlackCallError =>
  error instanceof SlackCallError && TOKEN_REFUSED_CODES.has(error.code);

export type SelfCheckStatus =
  /** No SLACK_BOT_TOKEN: nothing to check, nothing is sent. */
  | 'dry-run'
  /** Not checked yet (Azure checks on first use). */
  | 'pending'
  | 'ok'
  /** The token works, but something needs fixing (channel membership, scopes). */
  | 'problems'
  /** Slack refuses the token: event processing is paused. */
  | 'token-refused'
  /** Slack could not be asked (down, unreachable); checked again later, processing goes on. */
  | 'unreachable';

export interface SelfCheckReport {
  status: SelfCheckStatus;
  checkedAt?: string;
  /** `@name in workspace`. */
  connectedAs?: string;
  channel?: { id: string; name?: string; isMember?: boolean };
  scopes?: { required: string[]; missing: string[] };
  /** Every finding as the one clear line the log says. */
  messages: string[];
  /** Whether events are processed now. */
  processing: 'running' | 'paused';
}

export interface SelfCheckDeps {
  /** The adapter itself (not the watched one services.ts gives the rest of the app). */
  slack: SlackPort;
  dryRun: boolean;
  channelId: string;
  /** The manifest's bot scopes, read when checking; undefined when the manifest cannot be found. */
  requiredScopes: () => string[] | undefined | Promise<string[] | undefined>;
  /** One admin alert per problem and `key` (the alert document's key: raised twice, told once). */
  raiseAlert: (alert: SelfCheckAlert, key: string) => Promise<unknown>;
  log: Logger;
  now: () => number;
  /** While the token is refused, how often it is checked again. Default 60 s. */
  recheckMs?: number;
}

const DEFAULT_RECHECK_MS = 60_000;

export function createSelfCheck(deps: SelfCheckDeps) {
  const { slack, channelId, log } = deps;
  const recheckMs = deps.recheckMs ?? DEFAULT_RECHECK_MS;
  let report: SelfCheckReport = deps.dryRun
    ? {
        status: 'dry-run',
        messages: ['Slack self-check: dry run (SLACK_BOT_TOKEN is not set): nothing is sent to Slack'],
        processing: 'running',
      }
    : { status: 'pending', messages: [], processing: 'running' };
  let running: Promise<SelfCheckReport> | undefined;
  let first: Promise<SelfCheckReport> | undefined;
  let recheckTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let logged = '';
  /** What each report found that the admins should hear of. */
  const findings = new WeakMap<SelfCheckReport, SelfCheckAlert[]>();
  /** The findings of the last report: one that is still there at the next check is not told again. */
  let ongoing = new Set<string>();
  /** Findings told to the admins and still there. */
  const told = new Set<string>();
  const tokenListeners = new Set<(works: boolean) => void>();
  let tokenWorksWaiters: (() => void)[] = [];

  const day = () => new Date(deps.now()).toISOString().slice(0, 10);

  async function inspect(): Promise<SelfCheckReport> {
    const checkedAt = new Date(deps.now()).toISOString();
    let identity: Awaited<ReturnType<SlackPort['identity']>>;
    try {
      identity = await slack.identity();
    } catch (error) {
      if (isTokenRefused(error)) return tokenRefusedReport(error.code, checkedAt);
      return {
        status: 'unreachable',
        checkedAt,
        messages: [
          `Slack self-check: could not reach Slack (${describeError(error)}); events are processed meanwhile, checking again in ${recheckMs / 1000} s`,
        ],
        processing: 'running',
      };
    }
    if (!identity) return report;
    const name = `@${identity.userName}`;
    const connectedAs = `${name} in ${identity.team}`;
    const messages = [`Slack self-check: connected as ${connectedAs}`];
    const problems: SelfCheckAlert[] = [];

    const channel: NonNullable<SelfCheckReport['channel']> = { id: channelId };
    try {
      const membership = await slack.channelMembership(channelId);
      if (membership.name) channel.name = membership.name;
      channel.isMember = membership.isMember;
      const shown = membership.name ? `#${membership.name} (${channelId})` : channelId;
      if (membership.isMember) messages.push(`Slack self-check: a member of TIL_CHANNEL_ID ${shown}`);
      else {
        messages.push(
          `Slack self-check: ${name} is NOT a member of TIL_CHANNEL_ID ${shown}, so it receives none of its events: in Slack, open the channel and type /invite ${name}`,
        );
        problems.push({ kind: 'not-in-channel', channelId, botName: identity.userName });
      }
    } catch (error) {
      const code = error instanceof SlackCallError ? error.code : undefined;
      if (code === 'channel_not_found') {
        messages.push(
          `Slack self-check: TIL_CHANNEL_ID ${channelId} was not found with this token: check the id (channel details, at the bottom of About); for a private channel, /invite ${name} first`,
        );
        problems.push({ kind: 'channel-not-found', channelId });
      } else if (code === 'missing_scope') {
        // Reported with the scopes below: conversations.info needs channels:read (groups:read when private).
        messages.push(
          `Slack self-check: could not check membership of ${channelId}: conversations.info needs channels:read (groups:read for a private channel)`,
        );
      } else {
        messages.push(
          `Slack self-check: could not check membership of ${channelId}: ${describeError(error)}`,
        );
      }
    }

    const required = await deps.requiredScopes();
    let scopes: SelfCheckReport['scopes'];
    if (required === undefined) {
      messages.push('Slack self-check: slack-app-manifest.yaml not found, so the scopes were not checked');
    } else if (identity.scopes === undefined) {
      messages.push(
        'Slack self-check: Slack named no granted scopes (no x-oauth-scopes header); not checked',
      );
    } else {
      const granted = new Set(identity.scopes);
      const missing = required.filter((scope) => !granted.has(scope));
      scopes = { required, missing };
      if (missing.length === 0) {
        messages.push(
          `Slack self-check: every scope the manifest asks for is granted (${required.join(', ')})`,
        );
      } else {
        messages.push(
          `Slack self-check: the token lacks scopes the manifest asks for: ${missing.join(', ')}. Add them (Slack app → OAuth & Permissions, or update the app from slack-app-manifest.yaml) and reinstall the app`,
        );
        problems.push({ kind: 'missing-scopes', missing });
      }
    }
    const result: SelfCheckReport = {
      status: problems.length === 0 ? 'ok' : 'problems',
      checkedAt,
      connectedAs,
      channel,
      ...(scopes && { scopes }),
      messages,
      processing: 'running',
    };
    findings.set(result, problems);
    return result;
  }

  function tokenRefusedReport(code: string, checkedAt: string): SelfCheckReport {
    const result: SelfCheckReport = {
      status: 'token-refused',
      checkedAt,
      messages: [
        `Slack self-check: Slack refuses SLACK_BOT_TOKEN (${code}). Event processing is PAUSED (events wait in the queue, none is dead-lettered) and the token is checked again every ${recheckMs / 1000} s. Reinstall the app to the workspace or set a new xoxb- token`,
      ],
      processing: 'paused',
    };
    findings.set(result, [{ kind: 'token', code }]);
    return result;
  }

  /**
   * Tells the admins of each finding once, when it is new since the last check; a refused token only once a
   * re-check finds it still refused (a token that heals by itself within a minute tells no one, as any other
   * Slack trouble that heals). The key (finding and day) makes the alert one document however many instances
   * find it; with a refused token it waits in the store and is delivered once the token works.
   */
  function alertNewFindings(next: SelfCheckReport) {
    // An unreachable Slack says nothing about the findings: they are kept until a check can tell.
    if (next.status === 'unreachable') return;
    const found = findings.get(next) ?? [];
    const identities = new Set(found.map((alert) => JSON.stringify(alert)));
    for (const alert of found) {
      const identity = JSON.stringify(alert);
      const due = alert.kind === 'token' ? ongoing.has(identity) : !ongoing.has(identity);
      if (!due || told.has(identity)) continue;
      told.add(identity);
      const key = `${alert.kind}:${day()}`;
      deps.raiseAlert(alert, key).catch((error: unknown) => {
        log.warn(`self-check: could not raise the admin alert ${key}: ${describeError(error)}`);
      });
    }
    for (const identity of told) if (!identities.has(identity)) told.delete(identity);
    ongoing = identities;
  }

  /** Logs the report when it says something new: the same finding is said once, not at every re-check. */
  function adopt(next: SelfCheckReport) {
    const wasRefused = report.status === 'token-refused';
    report = next;
    alertNewFindings(next);
    const said = next.messages.join('\n');
    if (said !== logged) {
      logged = said;
      const line = (message: string) =>
        next.status === 'ok' || next.status === 'dry-run' || !/NOT|lacks|refuses|not found/.test(message)
          ? log.info(message)
          : log.error(message);
      if (wasRefused && next.status !== 'token-refused') {
        log.info('Slack self-check: Slack accepts the token again; event processing resumes');
      }
      for (const message of next.messages) line(message);
    }
    const refused = next.status === 'token-refused';
    if (refused !== wasRefused) for (const listener of tokenListeners) listener(!refused);
    if (!refused) for (const resolve of tokenWorksWaiters.splice(0)) resolve();
    scheduleRecheck();
  }

  function scheduleRecheck() {
    if (stopped || recheckTimer) return;
    if (report.status !== 'token-refused' && report.status !== 'unreachable') return;
    recheckTimer = setTimeout(() => {
      recheckTimer = undefined;
      void check();
    }, recheckMs);
    recheckTimer.unref();
  }

  /** Runs the check now (one at a time: a caller during a check shares it). */
  function check(): Promise<SelfCheckReport> {
    if (deps.dryRun) {
      adopt(report);
      return Promise.resolve(report);
    }
    running ??= inspect()
      .catch(
        (error: unknown): SelfCheckReport => ({
          status: 'unreachable',
          checkedAt: new Date(deps.now()).toISOString(),
          messages: [`Slack self-check failed: ${describeError(error)}`],
          processing: 'running',
        }),
      )
      .then((next) => {
        adopt(next);
        return next;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  return {
    check,
    /** The first check's report (started on first call): at start locally, on first use in Azure. */
    firstReport(): Promise<SelfCheckReport> {
      first ??= check();
      return first;
    },
    report: () => report,
    tokenRefused: () => report.status === 'token-refused',

    /**
     * Any Slack call's failure goes through here: a refused token, seen first by an event's effect or a job,
     * pauses processing at once (reported once) and starts the re-checks.
     */
    noteFailure(error: unknown) {
      if (!isTokenRefused(error) || report.status === 'token-refused' || deps.dryRun) return;
      adopt(tokenRefusedReport(error.code, new Date(deps.now()).toISOString()));
    },

    /** Called with false when the token becomes refused and with true once it works again. */
    onTokenChange(listener: (works: boolean) => void): () => void {
      tokenListeners.add(listener);
      return () => void tokenListeners.delete(listener);
    },

    /**
     * Resolves true once the token works (at once when it is not refused), or false after `maxWaitMs`. A first
     * check under way is awaited first, so Azure's first delivery meets a checked token.
     */
    async whenTokenWorks(maxWaitMs: number): Promise<boolean> {
      if (first) await first;
      if (report.status !== 'token-refused') return true;
      if (maxWaitMs <= 0) return false;
      return new Promise<boolean>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          tokenWorksWaiters = tokenWorksWaiters.filter((waiter) => waiter !== done);
          resolve(false);
        }, maxWaitMs);
        tokenWorksWaiters.push(done);
      });
    },

    /** No more re-checks (shutdown). */
    stop() {
      stopped = true;
      if (recheckTimer) clearTimeout(recheckTimer);
      recheckTimer = undefined;
    },
  };
}

export type SelfCheck = ReturnType<typeof createSelfCheck>;

/**
 * The SlackPort the app uses, each failure shown to `onFailure` first (the self-check's `noteFailure`), so the
 * first call that meets a refused token pauses processing.
 */
export function watchedSlack(slack: SlackPort, onFailure: (error: unknown) => void): SlackPort {
  const watched = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(slack) as [
    string,
    (...args: unknown[]) => Promise<unknown>,
  ][]) {
    watched[name] = (...args: unknown[]) =>
      method.apply(slack, args).catch((error: unknown) => {
        onFailure(error);
        throw error;
      });
  }
  return watched as unknown as SlackPort;
}

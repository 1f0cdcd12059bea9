import type { HttpResponseInit } from '@azure/functions';
import type { SelfCheckReport } from '../app/selfCheck.js';

/** How long a health probe waits for the first self-check (Azure's first use) before answering `pending`. */
const FIRST_CHECK_WAIT_MS = 3_000;

/**
 * GET /api/health: that the app answers, on the embedded default how much work is queued, and the Slack
 * self-check's last report (SPEC 9). It reads nothing itself: the report is the one the self-check keeps, so a
 * probe costs no store or Slack call (the very first one, in Azure, waits a moment for the first check).
 */
export function createHealthHandler(deps: {
  host: 'azure' | 'local';
  queueDepth?: () => number;
  selfCheck?: { firstReport(): Promise<SelfCheckReport>; report(): SelfCheckReport };
}) {
  return async (): Promise<HttpResponseInit> => {
    const { selfCheck } = deps;
    if (selfCheck) {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, FIRST_CHECK_WAIT_MS);
      });
      await Promise.race([selfCheck.firstReport(), waited]);
      clearTimeout(timer);
    }
    return {
      status: 200,
      jsonBody: {
        ok: true,
        host: deps.host,
        ...(deps.queueDepth && { pending: deps.queueDepth() }),
        ...(selfCheck && { slack: selfCheck.report() }),
      },
      headers: { 'cache-control': 'no-store' },
    };
  };
}

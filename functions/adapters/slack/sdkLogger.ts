import type { LogLevel, Logger as SlackSdkLogger } from '@slack/web-api';
import type { Logger } from '../../app/logger.js';

/**
 * The Slack SDKs' logger interface (@slack/logger: WebClient, SocketModeClient) over the app's, each line
 * prefixed with `name`. The SDKs redact tokens from what they log.
 */
export function slackSdkLogger(log: Logger, name: string): SlackSdkLogger {
  // A type-only import keeps the SDK off the start-up path (it loads at the first call); LogLevel.INFO is 'info'.
  let level = 'info' as LogLevel;
  const line = (parts: unknown[]) => `${name}: ${parts.map(String).join(' ')}`;
  return {
    debug: (...parts) => log.debug(line(parts)),
    info: (...parts) => log.info(line(parts)),
    warn: (...parts) => log.warn(line(parts)),
    error: (...parts) => log.error(line(parts)),
    setLevel: (newLevel) => {
      level = newLevel;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** The admins' DM when the start-up self-check finds a problem someone must fix (SPEC 9), Korean and English. */
import type { Locale } from './templates.js';

export type SelfCheckAlert =
  | { kind: 'token'; code: string }
  | { kind: 'not-in-channel'; channelId: string; botName: string }
  | { kind: 'channel-not-found'; channelId: string }
  | { kind: 'missing-scopes'; missing: string[] };

const ko = (alert: SelfCheckAlert): string => {
  switch (alert.kind) {
    case 'token':
      return `⚠️ [TIL 봇] Slack이 봇 토큰을 거부했습니다 (${alert.code}). 토큰이 다시 동작할 때까지 이벤트 처리를 멈추고, 이벤트는 큐에서 기다립니다. 앱을 다시 설치하거나 새 SLACK_BOT_TOKEN을 설정하세요.`;
    case 'not-in-channel':
      return `⚠️ [TIL 봇] @${alert.botName}이(가) TIL 채널 <#${alert.channelId}>의 멤버가 아니어서 채널의 이벤트를 받지 못합니다. 채널에서 /invite @${alert.botName} 을 입력하세요.`;
    case 'channel-not-found':
      return `⚠️ [TIL 봇] TIL_CHANNEL_ID ${alert.channelId} 채널을 찾을 수 없습니다. 채널 ID를 확인하고, 비공개 채널이면 봇을 먼저 초대하세요.`;
    case 'missing-scopes':
      return `⚠️ [TIL 봇] 봇 토큰에 매니페스트가 요청하는 권한이 없습니다: ${alert.missing.join(', ')}. Slack 앱 설정(OAuth & Permissions)에서 추가한 뒤 앱을 다시 설치하세요.`;
  }
};

const en = (alert: SelfCheckAlert): string => {
  switch (alert.kind) {
    case 'token':
      return `⚠️ [TIL bot] Slack refused the bot token (${alert.code}). Event processing is paused until the token works again; events wait in the queue. Reinstall the app or set a new SLACK_BOT_TOKEN.`;
    case 'not-in-channel':
      return `⚠️ [TIL bot] @${alert.botName} is not a member of the TIL channel <#${alert.channelId}>, so it receives none of its events. Type /invite @${alert.botName} in the channel.`;
    case 'channel-not-found':
      return `⚠️ [TIL bot] TIL_CHANNEL_ID ${alert.channelId} was not found. Check the id; for a private channel, invite the bot first.`;
    case 'missing-scopes':
      return `⚠️ [TIL bot] The bot token lacks scopes the manifest asks for: ${alert.missing.join(', ')}. Add them (Slack app → OAuth & Permissions) and reinstall the app.`;
  }
};

export const selfCheckAlertText = (locale: Locale, alert: SelfCheckAlert): string =>
  locale === 'ko' ? ko(alert) : en(alert);

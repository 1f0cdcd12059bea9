// The peer: a minimal @slack/bolt app (HTTPReceiver) that verifies the signature and acks every event, with a
// reaction_added listener that does nothing. No token is verified at start (nothing calls Slack).
import bolt from '@slack/bolt';

const { App, HTTPReceiver, LogLevel } = bolt;
const signingSecret = process.env.SLACK_SIGNING_SECRET ?? '';
const receiver = new HTTPReceiver({
  signingSecret,
  endpoints: '/api/slack/events',
  logLevel: LogLevel.ERROR,
});
const app = new App({
  receiver,
  token: 'xoxb-bench-0000000000',
  botId: 'BBENCH',
  botUserId: 'UBENCHBOT',
  tokenVerificationEnabled: false,
  logLevel: LogLevel.ERROR,
});
app.event('reaction_added', async () => {});
const server = await app.start(Number(process.env.PORT ?? 0));
console.log(`bolt listening on http://localhost:${server.address().port}`);
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));

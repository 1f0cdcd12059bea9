// The floor: a bare node:http server that verifies the Slack signature (the same HMAC and 5-minute window) and
// acks. No queue, nothing durable. Prints the line the bench waits for, as the product does.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.env.SLACK_SIGNING_SECRET ?? '';
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const timestamp = String(req.headers['x-slack-request-timestamp'] ?? '');
    const signature = Buffer.from(String(req.headers['x-slack-signature'] ?? ''));
    const fresh = /^\d+$/.test(timestamp) && Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
    const hmac = createHmac('sha256', secret);
    hmac.update(`v0:${timestamp}:`);
    hmac.update(body);
    const expected = Buffer.from(`v0=${hmac.digest('hex')}`);
    if (!fresh || signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('invalid signature');
      return;
    }
    try {
      JSON.parse(body.toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('body is not JSON');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok');
  });
});
server.listen(Number(process.env.PORT ?? 0), () => {
  console.log(`bare listening on http://localhost:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

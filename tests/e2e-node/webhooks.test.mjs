// Webhooks checked by the Standard Webhooks reference implementation (npm `standardwebhooks`): a plain
// node:http receiver on loopback verifies every delivery's signature with it. Platform calls over fetch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { startServer } from './server.mjs';

let server;
before(async () => { server = await startServer(['--Webhooks:AllowLoopback', 'true']); });
after(() => server?.stop());

async function rest(method, urlPath, role, body) {
  const response = await fetch(server.httpUrl + urlPath, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.tokens[role]}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

test('every delivery verifies with the standardwebhooks package, in order, for the watchlist only', async () => {
  let secret;
  const received = [];
  let failures = 0;
  const receiver = http.createServer((req, res) => {
    let payload = '';
    req.on('data', (c) => { payload += c; });
    req.on('end', () => {
      try {
        const event = new Webhook(secret).verify(payload, req.headers);
        received.push({ id: req.headers['webhook-id'], event });
        res.writeHead(204).end();
      } catch {
        failures++;
        res.writeHead(400).end();
      }
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    const sellers = ['91330106673959654P', '914403001922038216'];
    await rest('POST', '/v1/platform/sellers:add', 'platform', { sellerIds: sellers });
    const created = await rest('POST', '/v1/platform/webhooks', 'platform', {
      url: `http://127.0.0.1:${receiver.address().port}/hook`, sellersOnly: true,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    secret = created.body.secret;
    const other = '91110302562134916R';
    for (const op of [sellers[0], other, sellers[1]]) {
      const r = await rest('POST', `/v1/operators/${op}/violations`, 'regulator', {
        operatorId: op, offenseCode: 'FAKE_REVIEW_ORGANIZING', severity: 'SEVERITY_GENERAL',
        decisionNumber: `杭市监处罚〔2026〕hook-${op}号`, authorityCode: '330100-SAMR', authorityName: '杭州市市场监督管理局',
        decidedAt: new Date(Date.now() - 86400000).toISOString(), fineFen: 100, description: '刷单',
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    for (let i = 0; i < 200 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(failures, 0);
    assert.deepEqual(received.map((r) => r.event.data.operatorId), sellers);
    assert.deepEqual(received.map((r) => r.event.data.cursor), ['w1.1', 'w1.2']);
    assert.equal(received[0].event.type, 'credit.grade_changed');
    const deliveries = await rest('GET', `/v1/platform/webhooks/${created.body.webhook.webhookId}/deliveries`, 'platform');
    assert.ok(deliveries.body.deliveries.every((d) => d.succeeded && d.httpStatus === 204));
    const refused = await rest('POST', '/v1/platform/webhooks', 'platform', { url: 'http://10.0.0.1/hook' });
    assert.equal(refused.status, 400);
  } finally {
    receiver.close();
  }
});

// REST/JSON with plain fetch (HTTP/1.1), no project code: every rpc the server serves, each answer compared
// with the same call over @grpc/grpc-js, and each error kind with its HTTP status and google.rpc.Status
// details. The last test is the guard: every rpc of the loaded package definition reached over fetch with 2xx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { startServer, repo } from './server.mjs';

const protos = ['regulator', 'credit', 'agency', 'audit', 'operator', 'platform', 'policy', 'public', 'notice'].map((f) => `wangjian/credit/v1/${f}.proto`);
const definition = protoLoader.loadSync(protos, { includeDirs: [path.join(repo, 'protos')], keepCase: false, enums: String, longs: Number, defaults: true });
const v1 = grpc.loadPackageDefinition(definition).wangjian.credit.v1;

// Implemented by agency systems, called by this server: not served here.
const notServed = new Set(['NoticeReceiverService']);
// Every served rpc with its google.api.http rule, from the package definition.
const routes = Object.entries(definition)
  .filter(([name, def]) => name.startsWith('wangjian.credit.v1.') && typeof def === 'object' && Object.values(def).some((m) => m && m.path))
  .map(([name, def]) => [name.slice('wangjian.credit.v1.'.length), def])
  .filter(([service]) => !notServed.has(service))
  .flatMap(([service, def]) => Object.values(def).map((m) => {
    const rule = m.options['(google.api.http)'];
    const verb = ['get', 'post', 'put', 'delete', 'patch'].find((v) => rule && rule[v]);
    const pattern = new RegExp(`^${rule[verb].split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/:]+')}$`);
    return { rpc: `${service}/${m.originalName[0].toUpperCase()}${m.originalName.slice(1)}`, verb: verb.toUpperCase(), pattern };
  }));
const covered = new Set();
function note(method, urlPath, status) {
  if (status < 200 || status >= 300) return;
  const pathOnly = urlPath.split('?')[0];
  const matches = routes.filter((r) => r.verb === method && r.pattern.test(pathOnly));
  assert.ok(matches.length <= 1, `${method} ${pathOnly} matches ${matches.map((m) => m.rpc)}`);
  if (matches.length === 1) covered.add(matches[0].rpc);
}

let server;
let clients;

before(async () => {
  // Webhooks to a loopback receiver; the default four-eyes (REVOKE, LISTING_REPAIR, PUBLISH_POLICY) otherwise.
  server = await startServer(['--Webhooks:AllowLoopback', 'true']);
  const creds = grpc.credentials.createInsecure();
  clients = Object.fromEntries(['Regulator', 'Credit', 'Agency', 'Audit', 'Operator', 'Platform', 'Policy', 'Public']
    .map((s) => [s.toLowerCase(), new v1[`${s}Service`](server.grpcAddress, creds)]));
});

after(() => server?.stop());

function metadataOf(role) {
  const metadata = new grpc.Metadata();
  if (role) metadata.set('authorization', `Bearer ${server.tokens[role]}`);
  return metadata;
}

function viaGrpc(service, method, request, role) {
  return new Promise((resolve, reject) => {
    clients[service][method](request, metadataOf(role), { deadline: Date.now() + 60000 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

// A server-streaming call over gRPC: every message until the end.
function streamGrpc(service, method, request, role) {
  return new Promise((resolve, reject) => {
    const messages = [];
    const call = clients[service][method](request, metadataOf(role), { deadline: Date.now() + 120000 });
    call.on('data', (m) => messages.push(m));
    call.on('end', () => resolve(messages));
    call.on('error', reject);
  });
}

async function rest(method, urlPath, role, body, contentType = 'application/json') {
  const headers = { 'content-type': contentType };
  if (role) headers.authorization = `Bearer ${server.tokens[role] ?? role}`;
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(server.httpUrl + urlPath, { method, headers, body: payload });
  note(method, urlPath, response.status);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

// A server-streaming call over fetch: one JSON message per line, until the end or until `until` says stop.
async function restStream(method, urlPath, role, body, until = () => false) {
  const controller = new AbortController();
  const response = await fetch(server.httpUrl + urlPath, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.tokens[role]}` },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: controller.signal,
  });
  assert.equal(response.status, 200, await (response.status === 200 ? '' : response.text()));
  note(method, urlPath, response.status);
  const messages = [];
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) messages.push(JSON.parse(line));
        if (line && until(messages[messages.length - 1])) {
          controller.abort();
          return messages;
        }
      }
    }
  } catch (err) {
    if (err.name !== 'AbortError') throw err;
  }
  if (buffered.trim()) messages.push(JSON.parse(buffered));
  return messages;
}

// The same code, message and details over both transports, and the HTTP status of that code.
async function sameError(answer, grpcCall, httpStatus) {
  assert.equal(answer.status, httpStatus, JSON.stringify(answer.body));
  await assert.rejects(grpcCall, (err) => {
    assert.equal(answer.body.code, err.code);
    assert.equal(answer.body.message, err.details);
    return true;
  });
}

// Valid, fresh USCCs (GB 32100-2015 check character).
const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
let counter = Math.floor(Math.random() * 1e6);
function freshUscc() {
  const body = `91330100${String(Math.floor(Math.random() * 100)).padStart(2, '0')}${String(++counter).padStart(7, '0')}`;
  const sum = [...body].reduce((s, ch, i) => s + alphabet.indexOf(ch) * weights[i], 0);
  return body + alphabet[(31 - (sum % 31)) % 31];
}

let decision = 0;
function violation(operatorId, extra = {}) {
  return {
    operatorId,
    offenseCode: 'FAKE_REVIEW_ORGANIZING',
    severity: 'SEVERITY_GENERAL',
    decisionNumber: `杭市监处罚〔2026〕rest-${++decision}-${Date.now()}号`,
    authorityCode: '330100-SAMR',
    authorityName: '杭州市市场监督管理局',
    decidedAt: new Date(Date.now() - 10 * 86400000).toISOString(),
    fineFen: '5000000',
    penaltyKinds: ['PENALTY_KIND_FINE'],
    description: '组织虚假交易',
    ...extra,
  };
}

// grpc-js gives Timestamps as {seconds, nanos}; REST as RFC 3339. Compare on the JSON form.
function normalize(value) {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    if ('seconds' in value && 'nanos' in value && Object.keys(value).length === 2) {
      return new Date(Number(value.seconds) * 1000 + Math.floor(value.nanos / 1e6)).toISOString().replace('.000Z', 'Z');
    }
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}
// Instants are compared elsewhere: grpc-js rounds Timestamps to milliseconds.
const stripTimes = (v) => JSON.parse(JSON.stringify(normalize(v), (k, x) => (/(^time|Time|At|asOf)$/.test(k) ? undefined : x)));

test('RecordViolation over fetch, read back by GetCreditStatus over gRPC and REST', async () => {
  const op = freshUscc();
  const recorded = await rest('POST', `/v1/operators/${op}/violations`, 'regulator', violation(op));
  assert.equal(recorded.status, 200, JSON.stringify(recorded.body));
  assert.equal(recorded.body.created, true);
  assert.equal(recorded.body.status.score, 85);
  const status = await rest('GET', `/v1/operators/${op}/credit-status`, 'platform');
  const grpcStatus = await viaGrpc('credit', 'GetCreditStatus', { operatorId: op }, 'platform');
  assert.deepEqual(stripTimes(status.body), stripTimes(grpcStatus));
  const batch = await rest('POST', '/v1/credit-status:batchGet', 'platform', { operatorIds: [op] });
  assert.equal(batch.body.statuses[0].grade, 'GRADE_B');
  const history = await rest('GET', `/v1/operators/${op}/violations`, 'regulator');
  const grpcHistory = await viaGrpc('regulator', 'ListViolations', { operatorId: op }, 'regulator');
  assert.deepEqual(stripTimes(history.body), stripTimes(grpcHistory));
  // Revocation needs a second person: the proposal changes nothing until another regulator approves it.
  const proposed = await rest('POST', `/v1/operators/${op}/violations/${recorded.body.violation.violationId}:revoke`, 'regulator', { reason: '复议撤销' });
  assert.equal(proposed.status, 200, JSON.stringify(proposed.body));
  assert.equal(proposed.body.violation.status, 'VIOLATION_STATUS_ACTIVE');
  assert.ok(proposed.body.approval.approvalId);
  const own = await rest('POST', `/v1/approvals/${proposed.body.approval.approvalId}:decide`, 'regulator', { decision: 'APPROVAL_DECISION_APPROVE', reason: '同意' });
  assert.equal(own.status, 403, JSON.stringify(own.body));
  const approved = await rest('POST', `/v1/approvals/${proposed.body.approval.approvalId}:decide`, 'regulator-2', { decision: 'APPROVAL_DECISION_APPROVE', reason: '同意' });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal(approved.body.violation.status, 'VIOLATION_STATUS_REVOKED');
  assert.equal(approved.body.status.score, 100);
});

test('a listed operator over fetch: blacklist, check, cases, notices, acknowledge', async () => {
  const op = freshUscc();
  const recorded = await rest('POST', `/v1/operators/${op}/violations`, 'regulator', violation(op, { severity: 'SEVERITY_ESPECIALLY_SERIOUS' }));
  assert.equal(recorded.body.status.blacklisted, true);
  const blacklist = await rest('GET', '/v1/blacklist?pageSize=1000', 'platform');
  assert.ok(blacklist.body.entries.some((e) => e.operatorId === op));
  const check = await rest('POST', '/v1/checks', 'agency:NDRC', { operatorId: op, matter: 'GOV_FUNDING' });
  assert.equal(check.body.decision, 'CHECK_DECISION_PROHIBIT');
  const grpcCheck = await viaGrpc('agency', 'CheckOperator', { operatorId: op, matter: 'GOV_FUNDING' }, 'agency:NDRC');
  assert.deepEqual(normalize(check.body.measures), normalize(grpcCheck.measures));
  const checks = await rest('GET', `/v1/checks?operatorId=${op}`, 'regulator');
  assert.ok(checks.body.checks.some((c) => c.checkId === check.body.checkId));
  const opened = await rest('POST', `/v1/operators/${op}/punishment-cases`, 'regulator', { reason: '人工复核立案' });
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  const cases = await rest('GET', `/v1/operators/${op}/punishment-cases`, 'regulator');
  assert.equal(cases.body.cases[0].caseId, opened.body.case.caseId);
  let notice;
  for (let i = 0; i < 100 && !notice; i++) {
    const page = await rest('GET', '/v1/notices?pageSize=1000', 'agency:SPB');
    notice = page.body.notices.find((n) => n.notice.operatorId === op);
    if (!notice) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(notice, 'SPB notice of the listing');
  const ack = await rest('POST', `/v1/notices/${notice.notice.noticeId}:acknowledge`, 'agency:SPB', { actionTaken: '已列入从严审核名单' });
  assert.equal(ack.body.notice.state, 'NOTICE_STATE_ACKNOWLEDGED');
});

test('DecideRepair too early: 400 FAILED_PRECONDITION with the same PreconditionFailure as gRPC', async () => {
  const op = freshUscc();
  const recorded = await rest('POST', `/v1/operators/${op}/violations`, 'regulator', violation(op, { offenseCode: 'PRICE_FRAUD' }));
  const repair = await rest('POST', `/v1/operators/${op}/repairs`, 'regulator', { violationId: recorded.body.violation.violationId, reason: '信用修复申请' });
  assert.equal(repair.status, 400);
  assert.equal(repair.body.code, grpc.status.FAILED_PRECONDITION);
  assert.equal(repair.body.details[0]['@type'], 'type.googleapis.com/google.rpc.PreconditionFailure');
  await assert.rejects(
    viaGrpc('regulator', 'DecideRepair', { operatorId: op, violationId: recorded.body.violation.violationId, reason: '信用修复申请' }, 'regulator'),
    (err) => err.code === grpc.status.FAILED_PRECONDITION && err.details === repair.body.message,
  );
});

test('error kinds: 400 with field violations, 401, 403, 404, 409', async () => {
  const bad = await rest('GET', '/v1/operators/91330106673959654Q/credit-status', 'platform');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, grpc.status.INVALID_ARGUMENT);
  assert.equal(bad.body.details[0].fieldViolations[0].field, 'operator_id');
  await assert.rejects(viaGrpc('credit', 'GetCreditStatus', { operatorId: '91330106673959654Q' }, 'platform'),
    (err) => err.code === grpc.status.INVALID_ARGUMENT && err.details === bad.body.message);

  const none = await rest('GET', '/v1/operators/91330106673959654P/credit-status', null);
  assert.equal(none.status, 401);
  assert.equal(none.body.code, grpc.status.UNAUTHENTICATED);
  const denied = await rest('POST', '/v1/checks', 'platform', { operatorId: '91330106673959654P', matter: 'GOV_FUNDING' });
  assert.equal(denied.status, 403);
  assert.equal(denied.body.code, grpc.status.PERMISSION_DENIED);

  const op = freshUscc();
  const first = violation(op);
  await rest('POST', `/v1/operators/${op}/violations`, 'regulator', first);
  const missing = await rest('POST', `/v1/operators/${op}/violations/v-nope:revoke`, 'regulator', { reason: '撤销' });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.code, grpc.status.NOT_FOUND);
  const conflict = await rest('POST', `/v1/operators/${op}/violations`, 'regulator', { ...first, fineFen: '1' });
  assert.equal(conflict.status, 409);
  assert.equal(conflict.body.code, grpc.status.ALREADY_EXISTS);
});

test('the OpenAPI document has an operation for every rpc of the loaded protos', async () => {
  const doc = await (await fetch(`${server.httpUrl}/openapi/v1.json`)).json();
  const ids = new Set(Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId)));
  assert.ok(routes.length >= 46, `${routes.length} rpcs loaded`);
  for (const { rpc } of routes) {
    assert.ok(ids.has(rpc.replace('/', '_')), rpc);
  }
  const docs = await fetch(`${server.httpUrl}/docs/index.html`);
  assert.equal(docs.status, 200);
});

test('PolicyService over fetch: the initial version, a document validated with its errors, a dry run streamed to its report', async () => {
  const list = await rest('GET', '/v1/policies', 'auditor');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.equal(list.body.currentVersion, '2019.1');
  assert.equal(list.body.policies[0].rollout.state, 'ROLLOUT_STATE_NOT_NEEDED');
  assert.deepEqual(stripTimes(list.body), stripTimes(await viaGrpc('policy', 'ListPolicies', {}, 'auditor')));

  const shipped = await rest('GET', '/v1/policies/2019.1', 'admin');
  assert.equal(shipped.status, 200);
  assert.deepEqual(stripTimes(shipped.body), stripTimes(await viaGrpc('policy', 'GetPolicy', { version: '2019.1' }, 'admin')));
  const document = shipped.body.document;
  const edited = JSON.parse(document);
  edited.version = '2026.node';
  edited.grades.c = 95;
  const invalid = await rest('POST', '/v1/policies:validate', 'regulator', { document: JSON.stringify(edited) });
  assert.equal(invalid.status, 200);
  assert.equal(invalid.body.valid, false);
  assert.ok(invalid.body.errors.some((e) => e.startsWith('grades:')), JSON.stringify(invalid.body));

  const simulated = await fetch(`${server.httpUrl}/v1/policies:simulate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.tokens.admin}` },
    body: JSON.stringify({ document }),
  });
  assert.equal(simulated.status, 200);
  note('POST', '/v1/policies:simulate', simulated.status);
  // A server stream over REST: one JSON message after another, the report last.
  const text = await simulated.text();
  const start = text.lastIndexOf('{"report"') >= 0 ? text.lastIndexOf('{"report"') : text.search(/\{\s*"report"/);
  assert.ok(start >= 0, text.slice(0, 500));
  const last = text.slice(start).trim().replace(/[\],\s]+$/, '');
  const report = JSON.parse(last).report;
  assert.equal(report.candidateVersion, '2019.1');
  assert.equal(Number(report.operatorsChanged ?? 0), 0);

  const unknown = await rest('GET', '/v1/policies/1999.9', 'admin');
  assert.equal(unknown.status, 404);
  const denied = await rest('POST', '/v1/policies', 'regulator', { document, effectiveFrom: new Date(Date.now() + 86400000).toISOString() });
  assert.equal(denied.status, 403);
});

test('DecideRepair on time over fetch repairs as read back over gRPC; ImportViolations takes newline-delimited JSON', async () => {
  const op = freshUscc();
  const recorded = await rest('POST', `/v1/operators/${op}/violations`, 'regulator', violation(op, { offenseCode: 'PRICE_FRAUD', decidedAt: new Date(Date.now() - 220 * 86400000).toISOString() }));
  const repaired = await rest('POST', `/v1/operators/${op}/repairs`, 'regulator', { violationId: recorded.body.violation.violationId, reason: '信用修复申请 node' });
  assert.equal(repaired.status, 200, JSON.stringify(repaired.body));
  assert.equal(repaired.body.violation.status, 'VIOLATION_STATUS_REPAIRED');
  const history = await viaGrpc('regulator', 'ListViolations', { operatorId: op }, 'regulator');
  assert.deepEqual(stripTimes(history.violations[0]), stripTimes(repaired.body.violation));

  const other = freshUscc();
  const lines = [violation(other), violation('91330106673959654Q'), violation(other)].map((v) => JSON.stringify({ violation: v })).join('\n');
  const imported = await rest('POST', '/v1/violations:import', 'regulator', `${lines}\n`, 'application/x-ndjson');
  assert.equal(imported.status, 200, JSON.stringify(imported.body));
  assert.equal(Number(imported.body.received), 3);
  assert.equal(Number(imported.body.created), 2);
  assert.equal(Number(imported.body.rejectedRows[0].index), 1);
  const imports = await viaGrpc('regulator', 'ListViolations', { operatorId: other }, 'regulator');
  assert.equal(imports.violations.length, 2);
});

test('WatchCreditChanges streams JSON lines over fetch with the cursors of the gRPC feed', async () => {
  const op = freshUscc();
  const seen = restStream('GET', '/v1/credit-changes?fromBeginning=true', 'platform', undefined, (m) => m.operatorId === op);
  await rest('POST', `/v1/operators/${op}/violations`, 'regulator', violation(op, { severity: 'SEVERITY_ESPECIALLY_SERIOUS' }));
  const messages = await seen;
  const change = messages[messages.length - 1];
  assert.equal(change.operatorId, op);
  assert.equal(change.blacklisted, true);
  assert.ok(messages.every((m) => m.cursor.startsWith('c1.')));
  // The same change at the same cursor over gRPC, resuming just before it.
  const previous = messages.length > 1 ? messages[messages.length - 2].cursor : undefined;
  const viaStream = await new Promise((resolve, reject) => {
    const call = clients.credit.WatchCreditChanges(previous ? { cursor: previous } : { fromBeginning: true }, metadataOf('platform'));
    call.on('data', (m) => { if (m.operatorId === op) { resolve(m); call.cancel(); } });
    call.on('error', (err) => { if (err.code !== grpc.status.CANCELLED) reject(err); });
  });
  assert.equal(viaStream.cursor, change.cursor);
  assert.deepEqual(stripTimes(viaStream), stripTimes(change));
});

test('AuditService over fetch: a page and an export of the access log, REST calls logged under their rpc', async () => {
  const op = freshUscc();
  await viaGrpc('credit', 'GetCreditStatus', { operatorId: op }, 'platform');
  await rest('GET', `/v1/operators/${op}/credit-status`, 'platform');
  await rest('GET', `/v1/operators/${op}/credit-status`, null);
  const endTime = new Date(Date.now() + 1).toISOString();
  const page = await rest('GET', `/v1/access-log?filter.operatorId=${op}&filter.endTime=${encodeURIComponent(endTime)}&pageSize=100`, 'auditor');
  assert.equal(page.status, 200, JSON.stringify(page.body));
  const grpcPage = await viaGrpc('audit', 'ListAccessLog', { filter: { operatorId: op, endTime: { seconds: Math.floor(Date.parse(endTime) / 1000), nanos: (Date.parse(endTime) % 1000) * 1e6 } }, pageSize: 100 }, 'auditor');
  assert.deepEqual(stripTimes(page.body), stripTimes(grpcPage));
  assert.deepEqual(page.body.records.map((r) => [r.rpc, r.status, r.principal]), [
    ['wangjian.credit.v1.CreditService/GetCreditStatus', 'UNAUTHENTICATED', ''],
    ['wangjian.credit.v1.CreditService/GetCreditStatus', 'OK', 'dev-platform'],
    ['wangjian.credit.v1.CreditService/GetCreditStatus', 'OK', 'dev-platform'],
  ]);
  const exported = await restStream('GET', `/v1/access-log:export?filter.operatorId=${op}&filter.endTime=${encodeURIComponent(endTime)}`, 'auditor');
  const grpcExport = await streamGrpc('audit', 'ExportAccessLog', { filter: { operatorId: op, endTime: { seconds: Math.floor(Date.parse(endTime) / 1000), nanos: (Date.parse(endTime) % 1000) * 1e6 } } }, 'auditor');
  assert.deepEqual(stripTimes(exported.flatMap((m) => m.records)), stripTimes(grpcExport.flatMap((m) => m.records)));
  assert.equal(exported.flatMap((m) => m.records).length, 3);

  const bad = await rest('GET', '/v1/access-log?filter.operatorId=91330106673959654Q', 'auditor');
  assert.equal(bad.body.details[0].fieldViolations[0].field, 'filter.operator_id');
  await sameError(bad, viaGrpc('audit', 'ListAccessLog', { filter: { operatorId: '91330106673959654Q' } }, 'auditor'), 400);
  const denied = await rest('GET', '/v1/access-log', 'platform');
  assert.equal(denied.status, 403);
  assert.equal(denied.body.code, grpc.status.PERMISSION_DENIED);
});

test('a credit report over fetch, verified over REST and gRPC with the same verdict; the signing keys', async () => {
  const op = freshUscc();
  await rest('POST', `/v1/operators/${op}/violations`, 'regulator', violation(op, { severity: 'SEVERITY_ESPECIALLY_SERIOUS' }));
  const report = await rest('GET', `/v1/operators/${op}/credit-report?format=REPORT_FORMAT_JSON`, 'platform');
  assert.equal(report.status, 200, JSON.stringify(report.body));
  assert.equal(report.body.mediaType, 'application/json');
  const content = Buffer.from(report.body.content, 'base64');
  assert.equal(createHash('sha256').update(content).digest('hex'), report.body.sha256);
  assert.ok(content.toString('utf8').includes(op));
  const verify = { reportNumber: report.body.reportNumber, sha256: report.body.sha256 };
  const verdict = await rest('POST', '/v1/public/reports:verify', null, verify);
  assert.equal(verdict.body.verdict, 'REPORT_VERDICT_VALID');
  assert.equal(verdict.body.grade, 'GRADE_D');
  assert.deepEqual(stripTimes(verdict.body), stripTimes(await viaGrpc('public', 'VerifyCreditReport', verify, null)));
  const keys = await rest('GET', '/v1/public/signing-keys', null);
  assert.deepEqual(stripTimes(keys.body), stripTimes(await viaGrpc('public', 'GetSigningKeys', {}, null)));
  assert.ok(keys.body.keys.some((k) => k.keyId === report.body.keyId));
  const malformed = await rest('POST', '/v1/public/reports:verify', null, { reportNumber: report.body.reportNumber, sha256: 'not-hex' });
  await sameError(malformed, viaGrpc('public', 'VerifyCreditReport', { reportNumber: report.body.reportNumber, sha256: 'not-hex' }, null), 400);
});

test('PublicService over fetch with no token: the public record and blacklist as over gRPC', async () => {
  const op = freshUscc();
  await rest('POST', `/v1/operators/${op}/violations`, 'regulator', violation(op, { severity: 'SEVERITY_ESPECIALLY_SERIOUS' }));
  const record = await rest('GET', `/v1/public/operators/${op}`, null);
  assert.equal(record.status, 200, JSON.stringify(record.body));
  assert.equal(record.body.listing.decisions.length, 1);
  assert.deepEqual(stripTimes(record.body), stripTimes(await viaGrpc('public', 'GetPublicRecord', { operatorId: op }, null)));
  const page = await rest('GET', '/v1/public/blacklist?pageSize=1000', null);
  assert.ok(page.body.entries.some((e) => e.operatorId === op));
  assert.deepEqual(stripTimes(page.body), stripTimes(await viaGrpc('public', 'ListPublicBlacklist', { pageSize: 1000 }, null)));
  const bad = await rest('GET', '/v1/public/operators/91330106673959654Q', null);
  await sameError(bad, viaGrpc('public', 'GetPublicRecord', { operatorId: '91330106673959654Q' }, null), 400);
});

test("OperatorService over fetch: the file, a repair application decided in the regulator's inbox, an objection withdrawn", async () => {
  const op = '91330106673959654P'; // the dev operator principal's own USCC
  const old = await rest('POST', `/v1/operators/${op}/violations`, 'regulator', violation(op, { offenseCode: 'PRICE_FRAUD', decidedAt: new Date(Date.now() - 220 * 86400000).toISOString() }));
  const recent = await rest('POST', `/v1/operators/${op}/violations`, 'regulator', violation(op, { offenseCode: 'PRICE_FRAUD' }));
  const file = await rest('GET', `/v1/operators/${op}/credit-file`, 'operator');
  assert.equal(file.status, 200, JSON.stringify(file.body));
  assert.deepEqual(stripTimes(file.body), stripTimes(await viaGrpc('operator', 'GetCreditFile', { operatorId: op }, 'operator')));
  assert.ok(file.body.path.some((s) => s.kind === 'REPAIR_STEP_KIND_VIOLATION_REPAIRABLE' && s.violationId === recent.body.violation.violationId));

  const application = { violationId: old.body.violation.violationId, statement: '已缴纳罚款并整改', commitmentAccepted: true };
  const applied = await rest('POST', `/v1/operators/${op}/repair-applications`, 'operator', application);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  assert.equal(applied.body.application.state, 'APPLICATION_STATE_SUBMITTED');
  const again = await rest('POST', `/v1/operators/${op}/repair-applications`, 'operator', application);
  assert.ok(again.body.details.some((d) => d['@type'] === 'type.googleapis.com/wangjian.credit.v1.Application' && d.applicationId === applied.body.application.applicationId), JSON.stringify(again.body));
  await sameError(again, viaGrpc('operator', 'SubmitRepairApplication', { operatorId: op, ...application }, 'operator'), 409);
  const early = { violationId: recent.body.violation.violationId, statement: '已整改', commitmentAccepted: true };
  const tooEarly = await rest('POST', `/v1/operators/${op}/repair-applications`, 'operator', early);
  assert.equal(tooEarly.body.details[0]['@type'], 'type.googleapis.com/google.rpc.PreconditionFailure');
  await sameError(tooEarly, viaGrpc('operator', 'SubmitRepairApplication', { operatorId: op, ...early }, 'operator'), 400);

  const objected = await rest('POST', `/v1/operators/${op}/objections`, 'operator', { violationId: recent.body.violation.violationId, grounds: '处罚决定书已被复议撤销' });
  assert.equal(objected.body.application.kind, 'APPLICATION_KIND_OBJECTION');
  const mine = await rest('GET', `/v1/operators/${op}/applications?pageSize=1000`, 'operator');
  assert.deepEqual(stripTimes(mine.body), stripTimes(await viaGrpc('operator', 'ListMyApplications', { operatorId: op, pageSize: 1000 }, 'operator')));
  const withdrawn = await rest('POST', `/v1/operators/${op}/applications/${objected.body.application.applicationId}:withdraw`, 'operator', {});
  assert.equal(withdrawn.body.application.state, 'APPLICATION_STATE_WITHDRAWN');
  const afterwards = await viaGrpc('operator', 'ListMyApplications', { operatorId: op, pageSize: 1000 }, 'operator');
  assert.equal(afterwards.applications.find((a) => a.applicationId === objected.body.application.applicationId).state, 'APPLICATION_STATE_WITHDRAWN');

  const inbox = await rest('GET', '/v1/applications?pageSize=1000', 'regulator');
  assert.deepEqual(stripTimes(inbox.body), stripTimes(await viaGrpc('regulator', 'ListApplications', { pageSize: 1000 }, 'regulator')));
  assert.ok(inbox.body.applications.some((a) => a.applicationId === applied.body.application.applicationId));
  const decided = await rest('POST', `/v1/applications/${applied.body.application.applicationId}:decide`, 'regulator', { decision: 'APPROVAL_DECISION_APPROVE', reason: '材料齐全，同意修复' });
  assert.equal(decided.status, 200, JSON.stringify(decided.body));
  assert.equal(decided.body.application.state, 'APPLICATION_STATE_APPROVED');
  const history = await viaGrpc('regulator', 'ListViolations', { operatorId: op, pageSize: 1000 }, 'regulator');
  assert.equal(history.violations.find((v) => v.violationId === old.body.violation.violationId).status, 'VIOLATION_STATUS_REPAIRED');

  const other = await rest('GET', '/v1/operators/914403001922038216/credit-file', 'operator');
  await sameError(other, viaGrpc('operator', 'GetCreditFile', { operatorId: '914403001922038216' }, 'operator'), 403);
});

test('PublishPolicy over fetch waits for a second admin; the approval listed as over gRPC and rejected by the other admin', async () => {
  const shipped = await rest('GET', '/v1/policies/2019.1', 'admin');
  const edited = JSON.parse(shipped.body.document);
  edited.version = `2099.node-${Date.now()}`;
  const publish = { document: JSON.stringify(edited), effectiveFrom: new Date(Date.now() + 30 * 86400000).toISOString() };
  const proposed = await rest('POST', '/v1/policies', 'admin', publish);
  assert.equal(proposed.status, 200, JSON.stringify(proposed.body));
  assert.equal(proposed.body.approval.state, 'APPROVAL_STATE_PENDING');
  assert.equal(proposed.body.approval.action, 'APPROVAL_ACTION_PUBLISH_POLICY');
  const pending = await rest('GET', '/v1/approvals?pageSize=1000', 'admin-2');
  assert.deepEqual(stripTimes(pending.body), stripTimes(await viaGrpc('regulator', 'ListApprovals', { pageSize: 1000 }, 'admin-2')));
  assert.ok(pending.body.approvals.some((a) => a.approvalId === proposed.body.approval.approvalId));
  const own = await rest('POST', `/v1/approvals/${proposed.body.approval.approvalId}:decide`, 'admin', { decision: 'APPROVAL_DECISION_APPROVE', reason: '同意' });
  await sameError(own, viaGrpc('regulator', 'DecideApproval', { approvalId: proposed.body.approval.approvalId, decision: 'APPROVAL_DECISION_APPROVE', reason: '同意' }, 'admin'), 403);
  const rejected = await rest('POST', `/v1/approvals/${proposed.body.approval.approvalId}:decide`, 'admin-2', { decision: 'APPROVAL_DECISION_REJECT', reason: '暂不发布' });
  assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
  assert.equal(rejected.body.approval.state, 'APPROVAL_STATE_REJECTED');
  const versions = await viaGrpc('policy', 'ListPolicies', {}, 'auditor');
  assert.ok(!versions.policies.some((p) => p.version === edited.version));
  const republish = await rest('POST', '/v1/policies', 'admin', { document: shipped.body.document, effectiveFrom: publish.effectiveFrom });
  await sameError(republish, viaGrpc('policy', 'PublishPolicy', { document: shipped.body.document, effectiveFrom: { seconds: Math.floor(Date.parse(publish.effectiveFrom) / 1000), nanos: 0 } }, 'admin'), 409);
});

test('PlatformService over fetch: the watchlist and a webhook as over gRPC', async () => {
  const sellers = [freshUscc(), freshUscc(), freshUscc()].sort();
  const added = await rest('POST', '/v1/platform/sellers:add', 'platform', { sellerIds: sellers });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  assert.equal(Number(added.body.added), 3);
  const count = await rest('GET', '/v1/platform/sellers:count', 'platform');
  assert.deepEqual(normalize(count.body), normalize(await viaGrpc('platform', 'CountSellers', {}, 'platform')));
  const list = await rest('GET', '/v1/platform/sellers?pageSize=10000', 'platform');
  assert.deepEqual(normalize(list.body), normalize(await viaGrpc('platform', 'ListSellers', { pageSize: 10000 }, 'platform')));
  const removed = await rest('POST', '/v1/platform/sellers:remove', 'platform', { sellerIds: [sellers[0]] });
  assert.equal(Number(removed.body.removed), 1);
  const bad = await rest('POST', '/v1/platform/sellers:add', 'platform', { sellerIds: ['91330106673959654Q'] });
  await sameError(bad, viaGrpc('platform', 'AddSellers', { sellerIds: ['91330106673959654Q'] }, 'platform'), 400);

  const created = await rest('POST', '/v1/platform/webhooks', 'platform', { url: 'http://127.0.0.1:9/hook', sellersOnly: true });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const id = created.body.webhook.webhookId;
  const hooks = await rest('GET', '/v1/platform/webhooks', 'platform');
  assert.deepEqual(stripTimes(hooks.body), stripTimes(await viaGrpc('platform', 'ListWebhooks', {}, 'platform')));
  const rotated = await rest('POST', `/v1/platform/webhooks/${id}:rotateSecret`, 'platform', {});
  assert.notEqual(rotated.body.secret, created.body.secret);
  const deliveries = await rest('GET', `/v1/platform/webhooks/${id}/deliveries`, 'platform');
  assert.equal(deliveries.status, 200, JSON.stringify(deliveries.body));
  const redelivered = await rest('POST', `/v1/platform/webhooks/${id}:redeliver`, 'platform', {});
  assert.equal(redelivered.body.webhook.enabled, true);
  const refused = await rest('POST', '/v1/platform/webhooks', 'platform', { url: 'http://169.254.169.254/latest/meta-data/' });
  await sameError(refused, viaGrpc('platform', 'CreateWebhook', { url: 'http://169.254.169.254/latest/meta-data/' }, 'platform'), 400);
  const deleted = await rest('DELETE', `/v1/platform/webhooks/${id}`, 'platform');
  assert.equal(deleted.status, 200);
  const gone = await rest('DELETE', `/v1/platform/webhooks/${id}`, 'platform');
  await sameError(gone, viaGrpc('platform', 'DeleteWebhook', { webhookId: id }, 'platform'), 404);
});

test('past the public limit: 429 with Retry-After and a google.rpc.Status RESOURCE_EXHAUSTED', async () => {
  let answer;
  for (let i = 0; i < 200; i++) {
    answer = await fetch(`${server.httpUrl}/v1/public/signing-keys`);
    if (answer.status === 429) break;
    await answer.arrayBuffer();
  }
  assert.equal(answer.status, 429);
  assert.ok(answer.headers.get('retry-after'));
  const body = await answer.json();
  assert.equal(body.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(body.message, /Public:PermitsPerMinute/);
});

// The guard: runs last (node:test runs a file's tests in order), so it sees what every test above reached.
test('every served rpc of the loaded protos was reached over fetch with a 2xx answer', () => {
  const missing = routes.map((r) => r.rpc).filter((rpc) => !covered.has(rpc));
  assert.deepEqual(missing, [], `rpcs with no REST round trip in this file: ${missing.join(', ')}`);
  assert.ok(covered.size >= 46);
});

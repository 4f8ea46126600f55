// REST/JSON with plain fetch (HTTP/1.1), no project code: every unary rpc, each answer compared with the
// same call over @grpc/grpc-js, and each error kind with its HTTP status and google.rpc.Status details.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { startServer, repo } from './server.mjs';

const definition = protoLoader.loadSync(
  ['wangjian/credit/v1/regulator.proto', 'wangjian/credit/v1/credit.proto', 'wangjian/credit/v1/agency.proto'],
  { includeDirs: [path.join(repo, 'protos')], keepCase: false, enums: String, longs: Number, defaults: true },
);
const v1 = grpc.loadPackageDefinition(definition).wangjian.credit.v1;

let server;
let clients;

before(async () => {
  server = await startServer();
  const creds = grpc.credentials.createInsecure();
  clients = {
    regulator: new v1.RegulatorService(server.grpcAddress, creds),
    credit: new v1.CreditService(server.grpcAddress, creds),
    agency: new v1.AgencyService(server.grpcAddress, creds),
  };
});

after(() => server?.stop());

function viaGrpc(service, method, request, role) {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${server.tokens[role]}`);
  return new Promise((resolve, reject) => {
    clients[service][method](request, metadata, { deadline: Date.now() + 15000 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function rest(method, urlPath, role, body) {
  const headers = { 'content-type': 'application/json' };
  if (role) headers.authorization = `Bearer ${server.tokens[role] ?? role}`;
  const response = await fetch(server.httpUrl + urlPath, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
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
const stripTimes = (v) => JSON.parse(JSON.stringify(normalize(v), (k, x) => (/(Time|At|asOf)$/.test(k) ? undefined : x)));

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
  for (const [service, ctor] of Object.entries({ RegulatorService: v1.RegulatorService, CreditService: v1.CreditService, AgencyService: v1.AgencyService })) {
    for (const method of Object.values(ctor.service)) {
      assert.ok(ids.has(`${service}_${method.originalName[0].toUpperCase()}${method.originalName.slice(1)}`), `${service}.${method.originalName}`);
    }
  }
  const docs = await fetch(`${server.httpUrl}/docs/index.html`);
  assert.equal(docs.status, 200);
});

test('PolicyService over fetch: the initial version, a document validated with its errors, a dry run streamed to its report', async () => {
  const list = await rest('GET', '/v1/policies', 'auditor');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.equal(list.body.currentVersion, '2019.1');
  assert.equal(list.body.policies[0].rollout.state, 'ROLLOUT_STATE_NOT_NEEDED');

  const shipped = await rest('GET', '/v1/policies/2019.1', 'admin');
  assert.equal(shipped.status, 200);
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

// An independent client: plain @grpc/grpc-js loading the .proto files, no project code.
// It starts the built server on a fresh data directory, exactly as the README runs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const serverDll = process.env.SERVER_DLL
  ?? path.join(repo, 'src/WangJian.Credit.Server/bin/Debug/net10.0/WangJian.Credit.Server.dll');

const definition = protoLoader.loadSync(
  ['wangjian/credit/v1/regulator.proto', 'wangjian/credit/v1/credit.proto', 'wangjian/credit/v1/agency.proto'],
  { includeDirs: [path.join(repo, 'protos')], keepCase: true, enums: String, longs: Number, defaults: true },
);
const v1 = grpc.loadPackageDefinition(definition).wangjian.credit.v1;

let server;
let address;
let tokens;
let dataDir;

function call(client, method, request, token) {
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) => {
    client[method](request, metadata, { deadline: Date.now() + 15000 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'wj-e2e-'));
  server = spawn('dotnet', [serverDll, '--urls', 'http://127.0.0.1:0', '--Http:Urls', 'http://127.0.0.1:0', '--Storage:DataDir', dataDir, '--Orleans:SiloPort', '0', '--Observability:MetricsUrl='], {
    cwd: path.dirname(serverDll),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  address = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 90 s')), 90000);
    let buffered = '';
    server.stdout.on('data', (chunk) => {
      buffered += chunk.toString();
      const m = buffered.match(/WangJian\.Credit listening on http:\/\/([^\s,]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  tokens = JSON.parse(readFileSync(path.join(dataDir, 'dev-tokens.json'), 'utf8'));
});

after(() => {
  server?.kill('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const decidedAt = () => ({ seconds: Math.floor(Date.now() / 1000) - 86400, nanos: 0 });

test('RecordViolation then GetCreditStatus: one GENERAL FAKE_REVIEW_ORGANIZING is 85 / B (docs/policy.md §4.1–4.4)', async () => {
  const regulator = new v1.RegulatorService(address, grpc.credentials.createInsecure());
  const credit = new v1.CreditService(address, grpc.credentials.createInsecure());
  const recorded = await call(regulator, 'RecordViolation', {
    operator_id: '91330106673959654P',
    offense_code: 'FAKE_REVIEW_ORGANIZING',
    severity: 'SEVERITY_GENERAL',
    decision_number: '杭市监处罚〔2026〕118号',
    authority_code: '330100-SAMR',
    authority_name: '杭州市市场监督管理局',
    decided_at: decidedAt(),
    fine_fen: 5000000,
    penalty_kinds: ['PENALTY_KIND_FINE'],
    description: '组织虚假交易',
  }, tokens.regulator);
  assert.equal(recorded.created, true);
  assert.equal(recorded.status.score, 85);
  assert.equal(recorded.status.grade, 'GRADE_B');

  const status = await call(credit, 'GetCreditStatus', { operator_id: '91330106673959654P' }, tokens.platform);
  assert.equal(status.status.score, 85);
  assert.equal(status.status.grade, 'GRADE_B');
  assert.equal(status.status.blacklisted, false);
  assert.equal(status.status.deductions.length, 1);
  assert.equal(status.status.deductions[0].points, 15);
});

test('CheckOperator on an operator with no record answers ALLOW', async () => {
  const agency = new v1.AgencyService(address, grpc.credentials.createInsecure());
  const answer = await call(agency, 'CheckOperator', { operator_id: '914403001922038216', matter: 'GOV_FUNDING' }, tokens['agency:NDRC']);
  assert.equal(answer.decision, 'CHECK_DECISION_ALLOW');
  assert.match(answer.check_id, /^chk_/);
});

test('an invalid USCC is INVALID_ARGUMENT naming the rule', async () => {
  const credit = new v1.CreditService(address, grpc.credentials.createInsecure());
  await assert.rejects(
    call(credit, 'GetCreditStatus', { operator_id: '91330106673959654Q' }, tokens.platform),
    (err) => err.code === grpc.status.INVALID_ARGUMENT && /requires 'P'/.test(err.details),
  );
});

test('no token is UNAUTHENTICATED', async () => {
  const credit = new v1.CreditService(address, grpc.credentials.createInsecure());
  await assert.rejects(
    call(credit, 'GetCreditStatus', { operator_id: '91330106673959654P' }),
    (err) => err.code === grpc.status.UNAUTHENTICATED,
  );
});

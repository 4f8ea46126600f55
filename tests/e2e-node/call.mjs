#!/usr/bin/env node
// A plain gRPC client for trying the API by hand: @grpc/grpc-js loading protos/, JSON in, JSON out.
//   node tests/e2e-node/call.mjs <Service>/<Method> '<json request>' [--as ROLE] [--addr HOST:PORT] [--tokens FILE]
// ROLE is a key of the dev-tokens file: regulator, regulator-2, platform, admin, operator, auditor, agency:NDRC, ... (or set WJ_TOKEN).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const role = opt('--as', 'regulator');
const addr = opt('--addr', '127.0.0.1:5080');
const tokens = opt('--tokens', 'data/dev-tokens.json');
const [target, body = '{}'] = args;
if (!target || !target.includes('/')) {
  console.error("usage: call.mjs <Service>/<Method> '<json>' [--as ROLE] [--addr HOST:PORT] [--tokens FILE]");
  process.exit(64);
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const definition = protoLoader.loadSync(
  ['wangjian/credit/v1/regulator.proto', 'wangjian/credit/v1/credit.proto', 'wangjian/credit/v1/agency.proto', 'wangjian/credit/v1/audit.proto', 'wangjian/credit/v1/operator.proto', 'wangjian/credit/v1/public.proto', 'wangjian/credit/v1/platform.proto', 'wangjian/credit/v1/policy.proto'],
  { includeDirs: [path.join(repo, 'protos')], keepCase: true, enums: String, longs: String, defaults: false },
);
const v1 = grpc.loadPackageDefinition(definition).wangjian.credit.v1;
const [service, method] = target.split('/');
if (!v1[service]) {
  console.error(`unknown service ${service}`);
  process.exit(64);
}

const token = process.env.WJ_TOKEN ?? JSON.parse(readFileSync(tokens, 'utf8'))[role];
const metadata = new grpc.Metadata();
metadata.set('authorization', `Bearer ${token}`);
const client = new v1[service](addr, grpc.credentials.createInsecure());
client[method](JSON.parse(body), metadata, { deadline: Date.now() + 15000 }, (err, res) => {
  if (err) {
    console.error(`${grpc.status[err.code]}: ${err.details}`);
    process.exit(1);
  }
  console.log(JSON.stringify(res, null, 2));
  client.close();
});

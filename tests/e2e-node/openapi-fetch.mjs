// node openapi-fetch.mjs OUT.json: starts the built server, saves its /openapi/v1.json to OUT.json and
// stops it (scripts/test-all.sh then runs `redocly lint` on the file).
import { writeFileSync } from 'node:fs';
import { startServer } from './server.mjs';

const out = process.argv[2];
if (!out) {
  console.error('usage: node openapi-fetch.mjs OUT.json');
  process.exit(2);
}
const server = await startServer();
try {
  const response = await fetch(`${server.httpUrl}/openapi/v1.json`);
  if (!response.ok) throw new Error(`GET /openapi/v1.json: HTTP ${response.status}`);
  writeFileSync(out, await response.text());
} finally {
  server.stop();
}

// Starts the built server on a fresh data directory (free ports, embedded store), as the README runs it,
// and resolves to its gRPC address, its REST/JSON base URL and its dev tokens.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '..', '..');
const serverDll = process.env.SERVER_DLL
  ?? path.join(repo, 'src/WangJian.Credit.Server/bin/Debug/net10.0/WangJian.Credit.Server.dll');

export async function startServer(extraArgs = []) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'wj-e2e-'));
  const child = spawn('dotnet', [serverDll, '--urls', 'http://127.0.0.1:0', '--Http:Urls', 'http://127.0.0.1:0',
    '--Storage:DataDir', dataDir, '--Orleans:SiloPort', '0', '--Observability:MetricsUrl=', ...extraArgs], {
    cwd: path.dirname(serverDll),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { grpcAddress, httpUrl } = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 90 s')), 90000);
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk.toString();
      const rest = buffered.match(/WangJian\.Credit REST\/JSON on (http:\/\/[^\s,]+)/);
      const grpcLine = buffered.match(/WangJian\.Credit listening on http:\/\/([^\s,]+)/);
      if (rest && grpcLine) { clearTimeout(timer); resolve({ grpcAddress: grpcLine[1], httpUrl: rest[1] }); }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const tokens = JSON.parse(readFileSync(path.join(dataDir, 'dev-tokens.json'), 'utf8'));
  return {
    grpcAddress,
    httpUrl,
    tokens,
    stop() {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// Fixtures for the queue tests: a real redis-server (Debian's) on a free 127.0.0.1 port in
// a temp dir, without persistence, stopped by the test; worker processes of the
// standalone queue command, with everything they print kept.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../build/host/queue/bin.js', import.meta.url));
/** The package's command (`socket-kernel storm`, `socket-kernel worker`). */
export const CLI = fileURLToPath(new URL('../build/host/cli.js', import.meta.url));
const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

/** A port nobody listens on right now (the kernel picks, we close, redis takes it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

/** A self-signed CA and a server certificate for 127.0.0.1, made with openssl. */
async function makeCertificates(dir) {
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=queue-test-ca']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  await writeFile(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext']);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

/**
 * Starts redis-server (on `port`, or a free one); resolves once it accepts connections with { url, port, password,
 * ca (with tls), stop() }. `url` carries the password and is rediss:// with tls.
 */
export async function startRedis({ password, tls = false, port: wanted } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'sk-queue-redis-'));
  const port = wanted ?? await freePort();
  const args = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  let ca;
  if (tls) {
    const certs = await makeCertificates(dir);
    ca = certs.ca;
    args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', certs.cert,
      '--tls-key-file', certs.key, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no');
  } else {
    args.push('--port', String(port));
  }
  if (password) args.push('--requirepass', password);
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s:\n${log}`)), 10000);
    const onData = (chunk) => {
      log += chunk;
      if (log.includes('Ready to accept connections')) { clearTimeout(timer); resolve(); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err) => { clearTimeout(timer); reject(new Error(`cannot run ${REDIS_SERVER} (.ci/run installs it): ${err.message}`)); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${code}:\n${log}`)); });
  });
  child.removeAllListeners('exit');
  const auth = password ? `:${encodeURIComponent(password)}@` : '';
  return {
    url: `${tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
    port, password, ca,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs the standalone queue command; resolves with { code, stdout, stderr, ms } once it
 * exits. `env` adds to the environment.
 */
export function runBin(args, { env = {}, timeoutMs = 30000 } = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`bin ${args.join(' ')} did not exit in ${timeoutMs} ms:\n${stderr}`)); }, timeoutMs);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, ms: performance.now() - started }); });
  });
}

/**
 * A worker process of the standalone command (or of `command`, such as CLI); resolves once it takes jobs, with
 * { child, output(), stop() } (stop: SIGTERM, then waits for the exit).
 */
export async function startWorker(url, { concurrency = 1, lockMs, env = {}, command = BIN } = {}) {
  const args = ['worker', '--queue', url, '--concurrency', String(concurrency)];
  if (lockMs !== undefined) args.push('--lock-ms', String(lockMs));
  const child = spawn(process.execPath, [command, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in 15 s:\n${out}`)), 15000);
    const poll = setInterval(() => {
      if (out.includes('taking jobs')) { clearInterval(poll); clearTimeout(timer); resolve(); }
    }, 20);
    child.once('exit', (code) => { clearInterval(poll); clearTimeout(timer); reject(new Error(`worker exited with ${code}:\n${out}`)); });
  });
  child.removeAllListeners('exit');
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

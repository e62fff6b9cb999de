'use strict';
// Shared test helpers: the real test receiver as a child process, driven
// through its control API, and child Node processes.

const { spawn } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');
const readline = require('node:readline');

const repo = path.resolve(__dirname, '..', '..', '..');
const pkgDir = path.resolve(__dirname, '..');
const receiverBin =
  process.env.OUTBOX_RECEIVER_BIN ||
  path.join(repo, 'target', process.env.CARGO_BUILD_TARGET || 'x86_64-unknown-linux-gnu', 'debug', 'outbox-test-receiver');

/** Starts a receiver; resolves with a handle (url, control helpers, stop). */
async function startReceiver(args = []) {
  if (!fs.existsSync(receiverBin)) {
    throw new Error(`test receiver not built at ${receiverBin}: run \`make build-receiver\``);
  }
  const child = spawn(receiverBin, ['--exit-on-stdin-eof', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error('receiver did not start within 10 s')), 10_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /^LISTENING (http:\/\/127\.0\.0\.1:\d+)$/.exec(line.trim());
      if (m) resolve(m[1]);
      else reject(new Error(`unexpected receiver output: ${line}`));
    });
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });
  return new Receiver(child, url);
}

class Receiver {
  constructor(child, url) {
    this.child = child;
    this.url = url;
  }

  async control(method, what, body) {
    const res = await fetch(`${this.url}/_control/${what}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`control ${what}: HTTP ${res.status}: ${text}`);
    return JSON.parse(text);
  }

  stats() {
    return this.control('GET', 'stats');
  }
  requests() {
    return this.control('GET', 'requests');
  }
  ids() {
    return this.control('GET', 'ids');
  }
  reset() {
    return this.control('POST', 'reset');
  }
  faults(rules) {
    return this.control('POST', 'faults', rules);
  }
  clearFaults() {
    return this.control('POST', 'clear_faults');
  }
  /** Waits until `n` unique events arrived (or `timeoutMs`); returns {ok, stats}. */
  wait(n, timeoutMs = 10_000) {
    return this.control('GET', `wait?unique=${n}&timeout_ms=${timeoutMs}`);
  }

  /** Every event received, parsed, in arrival order. */
  async events() {
    const out = [];
    for (const r of await this.requests()) {
      if (r.status !== 200 || !r.body) continue;
      const body = JSON.parse(r.body);
      if (Array.isArray(body.batch)) out.push(...body.batch);
      else out.push(body);
    }
    return out;
  }

  stop() {
    this.child.stdin.end();
    this.child.kill();
  }
}

/**
 * Runs `code` (a script) in a child Node process with `env`; resolves with
 * { code, signal, stdout, stderr, ms }.
 */
function runNode(code, { env = {}, timeoutMs = 30_000, args = [] } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [...args, '-e', code], {
      cwd: pkgDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, signal, stdout, stderr, ms });
    });
    child.on('error', reject);
  });
}

/** A URL nothing listens on (a port opened and closed again). */
async function deadEndpoint() {
  const net = require('node:net');
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `cond()` holds (onError runs asynchronously on the JS thread,
 * shortly after the engine gives events up), at most `timeoutMs`.
 */
async function waitFor(cond, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

/**
 * One receiver for the calling test file: started before its tests, reset
 * before each, stopped after all. The returned object stands for it (its
 * properties are the receiver's once started).
 */
function useReceiver(args = []) {
  const { before, after, beforeEach } = require('node:test');
  let rx;
  before(async () => {
    rx = await startReceiver(args);
  });
  after(() => rx.stop());
  beforeEach(() => rx.reset());
  return new Proxy(
    {},
    {
      get(_, key) {
        const value = rx[key];
        return typeof value === 'function' ? value.bind(rx) : value;
      },
    },
  );
}

module.exports = { startReceiver, useReceiver, runNode, deadEndpoint, sleep, waitFor, repo, pkgDir };

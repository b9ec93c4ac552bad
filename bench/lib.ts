// Shared helpers for benchmarks: start processes, run wrk, print ratios. Benchmarks print figures; they never assert.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

/**
 * Runs wrk with a POST body and headers; returns req/s and latency percentiles. Asynchronous, so servers
 * living in this process (the mock upstream) keep answering while it runs.
 */
export async function wrk(url: string, opts: { connections: number; seconds: number; body: string; headers: Record<string, string> }): Promise<WrkResult> {
  const script = path.join(os.tmpdir(), `airlock-wrk-${process.pid}.lua`);
  const lines = [`wrk.method = "POST"`, `wrk.body = ${JSON.stringify(opts.body)}`];
  for (const [k, v] of Object.entries(opts.headers)) lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  fs.writeFileSync(script, lines.join('\n') + '\n');
  const child = spawn('wrk', ['-t1', `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', '-s', script, url]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  fs.rmSync(script, { force: true });
  if (code !== 0) throw new Error(`wrk failed: ${err}`);
  const pct = (p: string) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50Ms: pct('50'),
    p99Ms: pct('99'),
    errors: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors:.*?(\d+)/.exec(out)?.[1] ?? 0),
  };
}

/** Starts a child process and resolves when `ready` matches its output. */
export function startProcess(cmd: string, args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<{ proc: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = ready.exec(buf);
      if (m) {
        proc.stdout!.off('data', onData);
        proc.stderr!.off('data', onData);
        proc.stdout!.resume();
        proc.stderr!.resume();
        resolve({ proc, match: m });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (c) => reject(new Error(`${cmd} ${args.join(' ')} exited ${c}: ${buf.slice(-2000)}`)));
  });
}

export function stop(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.removeAllListeners('exit');
    proc.on('exit', () => resolve());
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 3000).unref();
  });
}

export const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

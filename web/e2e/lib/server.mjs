// Starts the real yutang binary for the end-to-end test: a fresh data dir, a merchant with a
// known owner password (`init`, YUTANG_OWNER_PASSWORD), `serve` on a free port (port 0; the
// port is read from the "is listening on" line) with the built console as --static-dir.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ownerEmail = 'owner@example.com';
export const ownerPassword = 'console-e2e-pass-1';
export const merchantName = '鱼塘测试店';

/**
 * @typedef {object} RunningServer
 * @property {string} url            e.g. http://127.0.0.1:41234
 * @property {() => string} output   everything the server printed so far
 * @property {() => Promise<void>} stop  SIGTERM, then SIGKILL after 10 s
 */

/**
 * Runs `yutang serve …` and resolves once it says where it listens.
 * @param {{binary: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number,
 *          onOutput?: (chunk: string) => void}} options
 * @returns {Promise<RunningServer>}
 */
export async function serve({ binary, args, env, timeoutMs, onOutput }) {
  const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    const onData = (/** @type {Buffer} */ chunk) => {
      const text = chunk.toString();
      output += text;
      onOutput?.(text);
      const match = /is listening on (http:\/\/[^\s/]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    url: /** @type {string} */ (url),
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * @param {{binary: string, staticDir: string}} options
 * @returns {Promise<{url: string, dataDir: string, output: () => string, stop: () => Promise<void>}>}
 */
export async function startServer({ binary, staticDir }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'yutang-console-e2e-'));
  const env = { ...process.env, YUTANG_OWNER_PASSWORD: ownerPassword, YUTANG_LOG_LEVEL: 'warn' };
  const init = spawnSync(
    binary,
    ['init', '--data', join(dataDir, 'data'), '--merchant', merchantName, '--owner-email', ownerEmail],
    { env, encoding: 'utf8' },
  );
  if (init.status !== 0) {
    throw new Error(`yutang init failed (${init.status}):\n${init.stdout}\n${init.stderr}`);
  }
  const server = await serve({
    binary,
    args: ['serve', '--data', join(dataDir, 'data'), '--listen', '127.0.0.1:0', '--static-dir', staticDir],
    env,
    timeoutMs: 30_000,
  });
  return {
    url: server.url,
    dataDir,
    output: server.output,
    stop: async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

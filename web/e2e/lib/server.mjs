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
  const child = spawn(
    binary,
    ['serve', '--data', join(dataDir, 'data'), '--listen', '127.0.0.1:0', '--static-dir', staticDir],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${output}`)), 30_000);
    const onData = (/** @type {Buffer} */ chunk) => {
      output += chunk.toString();
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
    dataDir,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

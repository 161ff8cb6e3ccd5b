import { describe, expect, it } from 'vitest';
import { idempotencyKey, isFinished, jobProgress } from './job';

const progress = (read: number, total: number) => ({ bytes_read: read, bytes_total: total, orders_read: 0, rows_rejected: 0 });

describe('import jobs', () => {
  it('knows when a job has ended', () => {
    expect(isFinished({ status: 'queued' })).toBe(false);
    expect(isFinished({ status: 'running' })).toBe(false);
    expect(isFinished({ status: 'succeeded' })).toBe(true);
    expect(isFinished({ status: 'failed' })).toBe(true);
  });

  it('computes progress from bytes, capped below 100 until the end', () => {
    expect(jobProgress({ status: 'queued', progress: progress(0, 0) })).toBe(0);
    expect(jobProgress({ status: 'running', progress: progress(250, 1000) })).toBe(25);
    expect(jobProgress({ status: 'running', progress: progress(1000, 1000) })).toBe(99);
    expect(jobProgress({ status: 'succeeded', progress: progress(10, 1000) })).toBe(100);
  });

  it('makes distinct visible-ASCII idempotency keys', () => {
    const a = idempotencyKey();
    expect(a).toMatch(/^console-[0-9a-f]{32}$/);
    expect(idempotencyKey()).not.toBe(a);
  });
});

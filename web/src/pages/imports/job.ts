// Small rules about import jobs, kept apart from the page so they can be tested.
import type { ImportJob } from '@/api/types';

export function isFinished(job: Pick<ImportJob, 'status'>): boolean {
  return job.status === 'succeeded' || job.status === 'failed';
}

/** Percent done, 0–100, from bytes read; 100 once the job has ended. */
export function jobProgress(job: Pick<ImportJob, 'status' | 'progress'>): number {
  if (isFinished(job)) return 100;
  const { bytes_read: read, bytes_total: total } = job.progress;
  if (!total || total <= 0) return 0;
  // Never show 100% while the server is still committing the last batch.
  return Math.min(99, Math.floor((read / total) * 100));
}

/**
 * A fresh Idempotency-Key (visible ASCII, ≤255). crypto.randomUUID exists only in secure
 * contexts, and a server on a LAN address over http is not one; getRandomValues works anywhere.
 */
export function idempotencyKey(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

// Driving an import job to its end: each step writes part of it. A step
// that times out or meets a throttled table (no answer, 429, 5xx) is tried
// again after a growing pause, at most five times in a row; the job keeps
// what was written, so nothing is lost or written twice.
import { ApiError } from './api';
import type { ImportJob } from './types';

export async function driveJob(
  first: ImportJob,
  step: (id: string) => Promise<ImportJob>,
  onProgress: (job: ImportJob) => void,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<ImportJob> {
  let job = first;
  let failures = 0;
  while (job.status === 'running') {
    onProgress(job);
    try {
      job = await step(job.id);
      failures = 0;
    } catch (err) {
      const retry = err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status >= 500);
      if (!retry || ++failures > 5) throw err;
      await sleep(2000 * failures);
    }
  }
  return job;
}

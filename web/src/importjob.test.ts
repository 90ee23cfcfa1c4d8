import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { driveJob } from './importjob';
import type { ImportJob } from './types';

const job = (done: number, status: ImportJob['status'] = 'running'): ImportJob => ({ id: 'j', status, total: 100, done });

describe('driveJob', () => {
  it('steps until done, reporting progress', async () => {
    const answers = [job(50), job(100, 'done')];
    const seen: number[] = [];
    const end = await driveJob(job(0), async () => answers.shift()!, (j) => seen.push(j.done), async () => {});
    expect(end.status).toBe('done');
    expect(seen).toEqual([0, 50]);
  });

  it('retries timeouts and throttling with growing pauses, then goes on', async () => {
    const answers: (ImportJob | ApiError)[] = [new ApiError(504, 'internal', 'timeout'), new ApiError(0, 'network', 'offline'), job(100, 'done')];
    const pauses: number[] = [];
    const end = await driveJob(job(0), async () => {
      const a = answers.shift()!;
      if (a instanceof ApiError) throw a;
      return a;
    }, () => {}, async (ms) => { pauses.push(ms); });
    expect(end.done).toBe(100);
    expect(pauses).toEqual([2000, 4000]);
  });

  it('gives up after five failures in a row, and at once on a refusal', async () => {
    await expect(driveJob(job(0), async () => { throw new ApiError(503, 'internal', 'down'); }, () => {}, async () => {})).rejects.toThrow();
    let calls = 0;
    await expect(driveJob(job(0), async () => { calls++; throw new ApiError(404, 'not_found', 'gone'); }, () => {}, async () => {})).rejects.toThrow();
    expect(calls).toBe(1);
  });
});

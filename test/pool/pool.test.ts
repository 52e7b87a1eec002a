import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { WorkerPool, workerModule } from '../../src/pool/pool.js';
import type { TraceReport } from '../../src/tracing/tracer.js';
import type { StepsTask } from './fixtures/steps-worker.js';

const pool = new WorkerPool<StepsTask, { done: number; threadId: number }>({
  workerFile: workerModule('./fixtures/steps-worker.js', import.meta.url),
  size: 2,
});
afterAll(() => pool.close());

const codeOf = (e: unknown): string | undefined => (e instanceof AppError ? e.code : undefined);

describe('worker pool', () => {
  it('runs a task in a worker thread and delivers every progress message before it settles', async () => {
    const progress: string[] = [];
    const reports: TraceReport[] = [];
    const result = await pool.run({ steps: 4, stepMs: 5 }, { onProgress: (_s, m) => progress.push(m), onReport: (r) => reports.push(r), traceId: 't-1' });
    expect(result.done).toBe(4);
    expect(result.threadId).toBeGreaterThan(0);
    // The end marker guarantees nothing is lost, even though the result can overtake the messages.
    expect(progress).toEqual(['step 0 done', 'step 1 done', 'step 2 done', 'step 3 done']);
    expect(reports.map((r) => r.source)).toEqual(['test.step', 'test.step', 'test.step', 'test.step']);
    expect(reports.every((r) => r.tracerId === 't-1' && r.workerId === result.threadId)).toBe(true);
  });

  it('a crashed worker fails its task with WORKER_CRASHED and the pool carries on', async () => {
    const crashed = await pool.run({ steps: 1, stepMs: 1, crash: true }).catch((e: unknown) => e);
    expect(codeOf(crashed)).toBe('WORKER_CRASHED');
    const after = await Promise.all([pool.run({ steps: 2, stepMs: 1 }), pool.run({ steps: 2, stepMs: 1 })]);
    expect(after.map((r) => r.done)).toEqual([2, 2]);
  });

  it('cancels between steps: the running step finishes, the next one never starts', async () => {
    const controller = new AbortController();
    const progress: string[] = [];
    const run = pool.run(
      { steps: 50, stepMs: 20 },
      {
        signal: controller.signal,
        onProgress: (_s, m) => {
          progress.push(m);
          if (progress.length === 2) controller.abort();
        },
      },
    );
    const error = await run.catch((e: unknown) => e);
    expect(codeOf(error)).toBe('CANCELLED');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBeLessThan(50);
    // The pool still works after a cancellation.
    expect((await pool.run({ steps: 1, stepMs: 1 })).done).toBe(1);
  });

  it('a task cancelled before it starts never runs a step', async () => {
    const controller = new AbortController();
    controller.abort();
    const progress: string[] = [];
    const error = await pool.run({ steps: 3, stepMs: 1 }, { signal: controller.signal, onProgress: (_s, m) => progress.push(m) }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('CANCELLED');
    expect(progress).toEqual([]);
  });

  it('tracing can be switched off per task', async () => {
    const reports: TraceReport[] = [];
    await pool.run({ steps: 2, stepMs: 1 }, { tracing: false, onReport: (r) => reports.push(r) });
    expect(reports).toEqual([]);
  });
});

import type { InferenceSession } from 'onnxruntime-node';

/**
 * How every onnxruntime session is made: one thread each (the pool runs one worker per core, and
 * one intra-op thread per worker measured fastest on 2 cores), warnings and errors only, no arena.
 */
export const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  logSeverityLevel: 3,
  // Without the CPU arena a worker's peak RSS fell from 749 to 604–634 MB over the three samples (one
  // thread, 2026-11-26) for ~4% more time; also turning off memory patterns raised it again (648 MB).
  enableCpuMemArena: false,
};

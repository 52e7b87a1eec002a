import * as ort from 'onnxruntime-node';
import type { ModelEntry, TensorSpec } from './context.js';

/**
 * Compares the inputs and outputs an ONNX file declares with those recorded in the registry.
 * Numbers must match exactly; a named (dynamic) dimension in the registry matches any dynamic one.
 * Returns the differences, empty when they agree.
 */
export const graphInterfaceMismatches = async (entry: ModelEntry, file: string): Promise<string[]> => {
  if (entry.inputs === undefined && entry.outputs === undefined) return [];
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    return [
      ...compare('input', entry.inputs ?? [], session.inputMetadata),
      ...compare('output', entry.outputs ?? [], session.outputMetadata),
    ];
  } finally {
    await session.release();
  }
};

const compare = (kind: string, expected: readonly TensorSpec[], actual: readonly ort.InferenceSession.ValueMetadata[]): string[] => {
  const problems: string[] = [];
  if (expected.length !== actual.length) problems.push(`${actual.length} ${kind}s in the file, ${expected.length} in the registry`);
  for (const spec of expected) {
    const found = actual.find((m) => m.name === spec.name);
    if (found === undefined || !found.isTensor) {
      problems.push(`${kind} "${spec.name}" is not a tensor of the file`);
      continue;
    }
    const dims = found.shape.map((d) => (typeof d === 'number' ? d : '?'));
    const agrees =
      found.type === spec.type &&
      dims.length === spec.shape.length &&
      spec.shape.every((d, i) => (typeof d === 'number' ? dims[i] === d : dims[i] === '?'));
    if (!agrees) problems.push(`${kind} "${spec.name}" is ${found.type}[${dims.join(',')}] in the file, ${spec.type}[${spec.shape.join(',')}] in the registry`);
  }
  return problems;
};

import { collectingTracer } from '../../src/tracing/tracer.js';
import { LlmInterface } from '../../src/llm/llm-interface.js';
import { LLM_TASKS, type LlmClientSettings, type LlmSettings } from '../../src/llm/settings.js';
import { startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';

export const MODEL = 'double-model';

export type Overrides = Partial<Omit<LlmSettings, 'clients'>> & { client?: Partial<LlmClientSettings> };

/** One client, "double", serving every task, with short backoff so retries are quick. */
export function settingsFor(double: OpenAiDouble, { client, ...rest }: Overrides = {}): LlmSettings {
  return {
    clients: [{ name: 'double', baseUrl: double.baseUrl, apiKey: 'test-key', maxConcurrency: 4, chatConcurrency: 4, timeoutMs: 5_000, idleTimeoutMs: 5_000, ...client }],
    tasks: Object.fromEntries(LLM_TASKS.map((task) => [task, { client: 'double', model: MODEL }])),
    imageMaxSide: 1280,
    maxRetries: 3,
    retryBaseMs: 1,
    maxToolRounds: 3,
    maxAnswerAttempts: 3,
    archivus: { requestsPerHour: 60, tokensPerHour: 200_000, chatsPerUser: 2 },
    ...rest,
  };
}

/** A double, an interface pointed at it, and a tracer collecting reports. */
export async function setUp(overrides: Overrides = {}) {
  const double = await startOpenAiDouble();
  const llm = new LlmInterface(settingsFor(double, overrides));
  const { tracer, reports } = collectingTracer();
  return { double, llm, tracer, reports };
}

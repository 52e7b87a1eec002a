import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { Tracer } from '../tracing/tracer.js';
import { Conversation } from './conversation.js';
import { jsonAnswerCorrection, jsonAnswerInstruction, parseJsonAnswer } from './json-answer.js';
import { backoffDelayMs, isRetryable, retryAfterMs, sleep } from './retry.js';
import { Semaphore } from './semaphore.js';
import type { LlmClientSettings, LlmSettings, LlmTask } from './settings.js';
import type { LlmTool } from './tools.js';

export const NO_LANGUAGE_MODEL = 'no language model configured';

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface Answered<T> {
  status: 'answered';
  value: T;
  client: string;
  model: string;
  usage: TokenUsage;
  /** Requests repeated after a 429, 5xx, timeout or connection error. */
  retries: number;
}

/** What a task gets when no client is routed to it: stages record it and carry on. */
export interface Skipped {
  status: 'skipped';
  reason: typeof NO_LANGUAGE_MODEL;
}

export type LlmOutcome<T> = Answered<T> | Skipped;

export interface LlmStream {
  status: 'streaming';
  client: string;
  model: string;
  /** The reply token by token. Nothing is sent until the first read; breaking off cancels the request. */
  tokens: AsyncIterable<string>;
}

export interface CallOptions {
  /** The run's tracer: every call reports task, client, model, latency, tokens, retries and outcome. */
  tracer: Tracer;
  signal?: AbortSignal;
  /** Functions the model may call; the interface runs them and feeds the results back. */
  tools?: readonly LlmTool[];
}

const SKIPPED: Skipped = { status: 'skipped', reason: NO_LANGUAGE_MODEL };

interface Target {
  task: LlmTask;
  client: LlmClientSettings;
  model: string;
  sdk: OpenAI;
  limit: Semaphore;
}

/** Running totals of one call, returned to the caller and written to the trace. */
interface CallStats {
  promptTokens: number;
  completionTokens: number;
  retries: number;
  requests: number;
  toolCalls: number;
}

/**
 * The one way to call language and vision models: named OpenAI-compatible clients, a model per task,
 * retries with backoff, a concurrency limit per client, a bounded tool-call loop, validated JSON
 * answers and streaming. The SDK's own retries are off so that every retry is ours and counted.
 */
export class LlmInterface {
  private readonly clients = new Map<string, { settings: LlmClientSettings; sdk: OpenAI; limit: Semaphore }>();

  constructor(private readonly settings: LlmSettings) {
    for (const client of settings.clients) {
      const sdk = new OpenAI({
        baseURL: client.baseUrl,
        // The SDK insists on a key; local servers ignore whatever is sent.
        apiKey: client.apiKey ?? 'none',
        timeout: client.timeoutMs,
        maxRetries: 0,
      });
      this.clients.set(client.name, { settings: client, sdk, limit: new Semaphore(client.maxConcurrency) });
    }
  }

  isConfigured(task: LlmTask): boolean {
    return this.settings.tasks[task] !== undefined;
  }

  /** Records and returns the skipped outcome: for stages that check `isConfigured` before preparing costly inputs. */
  skip(task: LlmTask, tracer: Tracer): Skipped {
    tracer.report({ source: `llm.${task}`, message: `${task} skipped: ${NO_LANGUAGE_MODEL}`, data: { task, outcome: 'skipped' } });
    return SKIPPED;
  }

  /** A new conversation whose images are downscaled to the configured size. */
  conversation(): Conversation {
    return new Conversation(this.settings.imageMaxSide);
  }

  /** Sends the conversation, runs any tool calls, and returns the model's final text. */
  async complete(task: LlmTask, conversation: Conversation, options: CallOptions): Promise<LlmOutcome<string>> {
    return this.call(task, options, (target, stats) => this.converse(target, conversation, stats, options));
  }

  /**
   * Asks for a JSON answer matching `schema`. An answer that is not JSON or does not match is shown
   * back to the model with what was wrong, up to the configured attempts; then LLM_INVALID_ANSWER.
   */
  async completeJson<S extends z.ZodType>(
    task: LlmTask,
    conversation: Conversation,
    schema: S,
    options: CallOptions,
  ): Promise<LlmOutcome<z.output<S>>> {
    return this.call(task, options, async (target, stats) => {
      conversation.user(jsonAnswerInstruction(schema));
      const attempts = this.settings.maxAnswerAttempts;
      for (let attempt = 1; ; attempt++) {
        const text = await this.converse(target, conversation, stats, options);
        const answer = parseJsonAnswer(text, schema);
        if (answer.ok) return answer.value;
        if (attempt >= attempts) {
          throw new AppError('LLM_INVALID_ANSWER', `no valid answer after ${attempts} attempts: ${answer.problem}`, {
            attempts,
            problem: answer.problem,
            answer: text.slice(0, 2000),
          });
        }
        conversation.user(jsonAnswerCorrection(answer.problem));
      }
    });
  }

  /** Streams the reply token by token (no tools); the full reply is appended to the conversation at the end. */
  stream(task: LlmTask, conversation: Conversation, options: Omit<CallOptions, 'tools'>): LlmStream | Skipped {
    const target = this.target(task);
    if (target === undefined) return this.skip(task, options.tracer);
    return {
      status: 'streaming',
      client: target.client.name,
      model: target.model,
      tokens: this.streamTokens(target, conversation, options),
    };
  }

  private async *streamTokens(target: Target, conversation: Conversation, options: CallOptions): AsyncGenerator<string> {
    const stats = newStats();
    const started = performance.now();
    // Stays "abandoned" when the reader stops early: the generator then only runs its finally blocks.
    let outcome = 'abandoned';
    try {
      const chunks = await this.withRetries(target, stats, options, async () => {
        // The slot is held until the stream ends, not just until the headers arrive.
        await target.limit.acquire();
        try {
          return await target.sdk.chat.completions.create(
            { model: target.model, messages: [...conversation.messages], stream: true, stream_options: { include_usage: true } },
            { signal: options.signal },
          );
        } catch (error) {
          target.limit.release();
          throw error;
        }
      });
      let text = '';
      try {
        for await (const chunk of chunks) {
          if (chunk.usage) addUsage(stats, chunk.usage);
          const token = chunk.choices[0]?.delta.content;
          if (token) {
            text += token;
            yield token;
          }
        }
      } finally {
        target.limit.release();
      }
      conversation.assistant(text);
      outcome = 'answered';
    } catch (error) {
      const failure = toAppError(error, target, options.signal);
      outcome = failure.code;
      throw failure;
    } finally {
      this.report(target, options.tracer, stats, started, outcome);
    }
  }

  private target(task: LlmTask): Target | undefined {
    const route = this.settings.tasks[task];
    if (route === undefined) return undefined;
    const client = this.clients.get(route.client);
    if (client === undefined) throw new AppError('LLM_NOT_CONFIGURED', `task ${task} names client "${route.client}", which is not configured`);
    return { task, client: client.settings, model: route.model, sdk: client.sdk, limit: client.limit };
  }

  /** Runs one traced call: skipped when the task has no route, reported whatever happens. */
  private async call<T>(
    task: LlmTask,
    options: CallOptions,
    run: (target: Target, stats: CallStats) => Promise<T>,
  ): Promise<LlmOutcome<T>> {
    const target = this.target(task);
    if (target === undefined) return this.skip(task, options.tracer);
    const stats = newStats();
    const started = performance.now();
    try {
      const value = await run(target, stats);
      this.report(target, options.tracer, stats, started, 'answered');
      return {
        status: 'answered',
        value,
        client: target.client.name,
        model: target.model,
        usage: { promptTokens: stats.promptTokens, completionTokens: stats.completionTokens },
        retries: stats.retries,
      };
    } catch (error) {
      const failure = toAppError(error, target, options.signal);
      this.report(target, options.tracer, stats, started, failure.code, failure);
      throw failure;
    }
  }

  /** The request/tool loop: at most `maxToolRounds` rounds of tool calls, then the model must answer. */
  private async converse(target: Target, conversation: Conversation, stats: CallStats, options: CallOptions): Promise<string> {
    const tools = options.tools ?? [];
    const params: Omit<ChatCompletionCreateParamsNonStreaming, 'messages'> = {
      model: target.model,
      ...(tools.length > 0 ? { tools: tools.map((t) => t.definition) } : {}),
    };
    for (let round = 0; ; round++) {
      const completion: ChatCompletion = await this.withRetries(target, stats, options, () =>
        target.limit.run(() =>
          target.sdk.chat.completions.create({ ...params, messages: [...conversation.messages] }, { signal: options.signal }),
        ),
      );
      if (completion.usage) addUsage(stats, completion.usage);
      const message = completion.choices[0]?.message;
      if (message === undefined) throw new AppError('LLM_FAILED', `${target.client.name} returned no choices`);
      const calls = message.tool_calls ?? [];
      if (calls.length === 0) {
        const text = message.content ?? '';
        conversation.assistant(text);
        return text;
      }
      if (round >= this.settings.maxToolRounds) {
        throw new AppError('LLM_FAILED', `the model was still calling tools after ${this.settings.maxToolRounds} rounds`, {
          maxToolRounds: this.settings.maxToolRounds,
        });
      }
      conversation.append({ role: 'assistant', content: message.content, tool_calls: calls });
      for (const call of calls) {
        stats.toolCalls++;
        const tool = call.type === 'function' ? tools.find((t) => t.name === call.function.name) : undefined;
        const content =
          tool === undefined || call.type !== 'function'
            ? `Error: there is no such tool; available tools: ${tools.map((t) => t.name).join(', ') || 'none'}`
            : await tool.invoke(call.function.arguments, options.signal);
        conversation.append({ role: 'tool', tool_call_id: call.id, content });
      }
    }
  }

  private async withRetries<T>(target: Target, stats: CallStats, options: CallOptions, send: () => Promise<T>): Promise<T> {
    for (let retry = 0; ; retry++) {
      stats.requests++;
      try {
        return await send();
      } catch (error) {
        if (!isRetryable(error) || retry >= this.settings.maxRetries || options.signal?.aborted) throw error;
        stats.retries++;
        const delayMs = backoffDelayMs(retry, this.settings.retryBaseMs, retryAfterMs(error));
        options.tracer.report({
          source: `llm.${target.task}`,
          level: 'warn',
          message: `${describe(error)}; retry ${retry + 1} of ${this.settings.maxRetries} in ${Math.round(delayMs)} ms`,
          data: { task: target.task, client: target.client.name, model: target.model, status: statusOf(error) },
        });
        await sleep(delayMs, options.signal);
      }
    }
  }

  private report(target: Target, tracer: Tracer, stats: CallStats, started: number, outcome: string, error?: AppError): void {
    const latencyMs = Math.round(performance.now() - started);
    tracer.report({
      source: `llm.${target.task}`,
      level: error === undefined ? 'info' : 'error',
      message: `${target.task} via ${target.client.name}:${target.model} ${error === undefined ? outcome : `failed: ${error.message}`}`,
      durationMs: latencyMs,
      data: {
        task: target.task,
        client: target.client.name,
        model: target.model,
        latencyMs,
        promptTokens: stats.promptTokens,
        completionTokens: stats.completionTokens,
        retries: stats.retries,
        requests: stats.requests,
        toolCalls: stats.toolCalls,
        outcome,
      },
    });
  }
}

const newStats = (): CallStats => ({ promptTokens: 0, completionTokens: 0, retries: 0, requests: 0, toolCalls: 0 });

function addUsage(stats: CallStats, usage: { prompt_tokens: number; completion_tokens: number }): void {
  stats.promptTokens += usage.prompt_tokens;
  stats.completionTokens += usage.completion_tokens;
}

const statusOf = (error: unknown): number | undefined => (error instanceof APIError ? error.status : undefined);

function describe(error: unknown): string {
  if (error instanceof APIConnectionTimeoutError) return 'request timed out';
  if (error instanceof APIError && error.status !== undefined) return `HTTP ${error.status}`;
  return error instanceof Error ? error.message : String(error);
}

function toAppError(error: unknown, target: Target, signal: AbortSignal | undefined): AppError {
  if (error instanceof AppError) return error;
  const where = { client: target.client.name, model: target.model, status: statusOf(error) };
  if (error instanceof APIUserAbortError || signal?.aborted) {
    return new AppError('CANCELLED', `${target.task} was cancelled`, where, { cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new AppError('LLM_FAILED', `${target.client.name} did not answer within ${target.client.timeoutMs} ms`, where, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('LLM_FAILED', `${target.client.name}:${target.model} failed: ${message}`, where, { cause: error });
}

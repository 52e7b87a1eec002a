import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, RateLimitError } from 'openai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { Tracer } from '../tracing/tracer.js';
import { Conversation } from './conversation.js';
import { Deadline, DeadlineExceeded } from './deadline.js';
import { answerCorrection, jsonAnswerCorrection, jsonAnswerInstruction, parseJsonAnswer, type AnswerCheck } from './json-answer.js';
import { backoffDelayMs, isRetryable, retryAfterMs, sleep } from './retry.js';
import { maskSecrets, StreamMasker } from './secrets.js';
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
  /** Tokens the stream used; complete once it has ended. */
  usage: TokenUsage;
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
  /** The client's pool for this task: Archivus has its own, so chats and the pipeline never starve each other. */
  pool: Semaphore;
}

/** What the model said in one reply: its text, or why it declined (OpenAI's `refusal`). */
interface Reply {
  text: string;
  refusal: string | null;
}

/** A stream whose first piece has arrived: from here on, only the idle and total deadlines apply. */
interface OpenedStream {
  deadline: Deadline;
  iterator: AsyncIterator<ChatCompletionChunk>;
  first: IteratorResult<ChatCompletionChunk>;
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
 * retries with backoff, deadlines per request, concurrency pools per client (one for the pipeline,
 * one for Archivus), a bounded tool-call loop, checked answers and streaming. The SDK's own retries
 * are off so that every retry is ours and counted. Failures reach callers as typed errors that name
 * the task and client, never with the provider's words (those go to the trace, secrets masked).
 */
export class LlmInterface {
  private readonly clients = new Map<string, { settings: LlmClientSettings; sdk: OpenAI; pipeline: Semaphore; chat: Semaphore }>();
  /** The configured keys, masked wherever they might show up. */
  private readonly secrets: readonly string[];

  constructor(private readonly settings: LlmSettings) {
    for (const client of settings.clients) {
      const sdk = new OpenAI({
        baseURL: client.baseUrl,
        // The SDK insists on a key; without one, no Authorization header is sent at all.
        apiKey: client.apiKey ?? 'unused',
        ...(client.apiKey === undefined ? { defaultHeaders: { Authorization: null } } : {}),
        timeout: client.timeoutMs,
        maxRetries: 0,
      });
      this.clients.set(client.name, { settings: client, sdk, pipeline: new Semaphore(client.maxConcurrency), chat: new Semaphore(client.chatConcurrency) });
    }
    this.secrets = settings.clients.flatMap((c) => (c.apiKey === undefined ? [] : [c.apiKey]));
  }

  /** Masks the configured keys and anything shaped like a key in text from or about a provider. */
  mask(text: string): string {
    return maskSecrets(text, this.secrets);
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

  /** Sends the conversation, runs any tool calls, and returns the model's final text (an empty reply or a refusal is an invalid answer). */
  async complete(task: LlmTask, conversation: Conversation, options: CallOptions): Promise<LlmOutcome<string>> {
    return this.answer(task, conversation, nonEmpty, options);
  }

  /**
   * Sends the conversation and checks the reply with `check`. A refusal, or a reply the check turns
   * down, is shown back to the model with the reason, up to the configured attempts; then
   * LLM_INVALID_ANSWER.
   */
  async answer<T>(
    task: LlmTask,
    conversation: Conversation,
    check: AnswerCheck<T>,
    options: CallOptions,
    correction: (problem: string) => string = answerCorrection,
  ): Promise<LlmOutcome<T>> {
    return this.call(task, options, async (target, stats) => {
      const attempts = this.settings.maxAnswerAttempts;
      for (let attempt = 1; ; attempt++) {
        const reply = await this.converse(target, conversation, stats, options);
        const result = reply.refusal === null ? check(reply.text) : { ok: false as const, problem: 'you declined to answer; answer the request as asked' };
        if (result.ok) return result.value;
        options.tracer.report({
          source: `llm.${task}`,
          level: 'warn',
          message: `answer ${attempt} of ${attempts} not accepted: ${result.problem}`,
          data: { task, client: target.client.name, model: target.model, attempt, providerDetail: (reply.refusal ?? reply.text).slice(0, 2000) },
        });
        if (attempt >= attempts) {
          throw new AppError(
            'LLM_INVALID_ANSWER',
            `${task} via ${target.client.name}: no acceptable answer after ${attempts} attempts`,
            { task, client: target.client.name, model: target.model, attempts: stats.requests },
            { cause: new Error(`${result.problem}; last answer: ${(reply.refusal ?? reply.text).slice(0, 2000)}`) },
          );
        }
        conversation.user(correction(result.problem));
      }
    });
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
    conversation.user(jsonAnswerInstruction(schema));
    return this.answer(task, conversation, (text) => parseJsonAnswer(text, schema), options, jsonAnswerCorrection);
  }

  /**
   * Streams the reply token by token (no tools); the full reply is appended to the conversation at
   * the end. A failure before the first piece is retried like any request; after it, the stream
   * ends with the error (what was sent cannot be taken back). An empty reply is LLM_INVALID_ANSWER.
   */
  stream(task: LlmTask, conversation: Conversation, options: Omit<CallOptions, 'tools'>): LlmStream | Skipped {
    const target = this.target(task);
    if (target === undefined) return this.skip(task, options.tracer);
    const usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
    return {
      status: 'streaming',
      client: target.client.name,
      model: target.model,
      usage,
      tokens: this.streamTokens(target, conversation, options, usage),
    };
  }

  private async *streamTokens(target: Target, conversation: Conversation, options: CallOptions, usage: TokenUsage): AsyncGenerator<string> {
    const stats = newStats();
    const started = performance.now();
    // Stays "abandoned" when the reader stops early: the generator then only runs its finally blocks.
    let outcome = 'abandoned';
    let failure: AppError | undefined;
    try {
      // The slot is held until the stream ends, not just until the headers arrive.
      const { deadline, iterator, first } = await this.withRetries(target, stats, options, () => this.openStream(target, conversation, options));
      const masker = new StreamMasker(this.secrets);
      let text = '';
      try {
        for (let next = first; next.done !== true; ) {
          if (next.value.usage) addUsage(stats, next.value.usage);
          const token = next.value.choices[0]?.delta.content;
          const out = token ? masker.push(token) : '';
          if (out !== '') {
            text += out;
            yield out;
          }
          next = await iterator.next();
          deadline.touch();
        }
        // The SDK ends an aborted stream quietly: a deadline that ran out must still be told.
        deadline.check();
        const rest = masker.flush();
        if (rest !== '') {
          text += rest;
          yield rest;
        }
      } catch (error) {
        throw deadline.explain(error);
      } finally {
        deadline.clear();
        await iterator.return?.();
        target.pool.release();
      }
      if (options.signal?.aborted) throw options.signal.reason;
      if (text.trim() === '') {
        throw new AppError('LLM_INVALID_ANSWER', `${target.task} via ${target.client.name}: the model answered with an empty reply`, {
          task: target.task,
          client: target.client.name,
          model: target.model,
          attempts: stats.requests,
        });
      }
      conversation.assistant(text);
      outcome = 'answered';
    } catch (error) {
      failure = this.failure(error, target, options.signal, stats);
      outcome = failure.code;
      throw failure;
    } finally {
      usage.promptTokens = stats.promptTokens;
      usage.completionTokens = stats.completionTokens;
      this.report(target, options.tracer, stats, started, outcome, failure);
    }
  }

  /** Takes a slot, sends the streamed request and waits for its first piece, within the deadlines. */
  private async openStream(target: Target, conversation: Conversation, options: CallOptions): Promise<OpenedStream> {
    await target.pool.acquire();
    const deadline = new Deadline(target.client.timeoutMs, target.client.idleTimeoutMs, options.signal);
    try {
      const stream = await target.sdk.chat.completions.create(
        { model: target.model, messages: [...conversation.messages], stream: true, stream_options: { include_usage: true } },
        { signal: deadline.signal },
      );
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      deadline.check();
      deadline.touch();
      return { deadline, iterator, first };
    } catch (error) {
      deadline.clear();
      target.pool.release();
      throw deadline.explain(error);
    }
  }

  private target(task: LlmTask): Target | undefined {
    const route = this.settings.tasks[task];
    if (route === undefined) return undefined;
    const client = this.clients.get(route.client);
    if (client === undefined) throw new AppError('LLM_NOT_CONFIGURED', `task ${task} names client "${route.client}", which is not configured`);
    return { task, client: client.settings, model: route.model, sdk: client.sdk, pool: task === 'chat' ? client.chat : client.pipeline };
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
      const failure = this.failure(error, target, options.signal, stats);
      this.report(target, options.tracer, stats, started, failure.code, failure);
      throw failure;
    }
  }

  /** The request/tool loop: at most `maxToolRounds` rounds of tool calls, then the model must answer. */
  private async converse(target: Target, conversation: Conversation, stats: CallStats, options: CallOptions): Promise<Reply> {
    const tools = options.tools ?? [];
    const params: Omit<ChatCompletionCreateParamsNonStreaming, 'messages'> = {
      model: target.model,
      ...(tools.length > 0 ? { tools: tools.map((t) => t.definition) } : {}),
    };
    for (let round = 0; ; round++) {
      const completion: ChatCompletion = await this.withRetries(target, stats, options, () =>
        target.pool.run(() => this.withinDeadline(target, options, (signal) =>
          target.sdk.chat.completions.create({ ...params, messages: [...conversation.messages] }, { signal }),
        )),
      );
      if (completion.usage) addUsage(stats, completion.usage);
      const message = completion.choices[0]?.message;
      if (message === undefined) throw new AppError('LLM_FAILED', `${target.task} via ${target.client.name}: the reply had no choices`, { task: target.task, client: target.client.name });
      const calls = message.tool_calls ?? [];
      if (calls.length === 0) {
        const text = this.mask(message.content ?? '');
        conversation.assistant(text);
        return { text, refusal: message.refusal ? this.mask(message.refusal) : null };
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

  /** One request under its total deadline (the SDK's own timeout stops at the headers). */
  private async withinDeadline<T>(target: Target, options: CallOptions, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const deadline = new Deadline(target.client.timeoutMs, undefined, options.signal);
    try {
      return await send(deadline.signal);
    } catch (error) {
      throw deadline.explain(error);
    } finally {
      deadline.clear();
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
          data: { task: target.task, client: target.client.name, model: target.model, status: statusOf(error), providerDetail: this.detail(error) },
        });
        await sleep(delayMs, options.signal);
      }
    }
  }

  /**
   * The typed error a caller sees: it names the task and client and says what kind of failure it
   * was, never in the provider's words (the cause keeps them, for the trace).
   */
  private failure(error: unknown, target: Target, signal: AbortSignal | undefined, stats: CallStats): AppError {
    if (error instanceof AppError) return error;
    const where = { task: target.task, client: target.client.name, model: target.model, status: statusOf(error), attempts: stats.requests };
    const label = `${target.task} via ${target.client.name}`;
    if (signal?.aborted || error instanceof APIUserAbortError) return new AppError('CANCELLED', `${target.task} was cancelled`, where, { cause: error });
    if (error instanceof DeadlineExceeded) return new AppError('LLM_TIMEOUT', `${label}: ${error.message}`, { ...where, deadline: error.kind }, { cause: error });
    if (error instanceof APIConnectionTimeoutError) {
      return new AppError('LLM_TIMEOUT', `${label}: no reply within ${target.client.timeoutMs} ms`, { ...where, deadline: 'total' }, { cause: error });
    }
    if (error instanceof RateLimitError) {
      const wish = retryAfterMs(error);
      return new AppError('RATE_LIMITED', `${label}: the provider is limiting requests; try again later`, {
        ...where,
        ...(wish === undefined ? {} : { retryAfterSeconds: Math.ceil(wish / 1000) }),
      }, { cause: error });
    }
    if (error instanceof APIError && error.status !== undefined) return new AppError('LLM_FAILED', `${label} failed (HTTP ${error.status})`, where, { cause: error });
    if (error instanceof APIConnectionError) return new AppError('LLM_FAILED', `${label} failed: the endpoint could not be reached`, where, { cause: error });
    return new AppError('LLM_FAILED', `${label} failed`, where, { cause: error });
  }

  /** The provider's own words about a failure, secrets masked: for the trace only. */
  private detail(error: unknown): string | undefined {
    const cause = error instanceof AppError ? error.cause : error;
    if (!(cause instanceof Error)) return undefined;
    const body = cause instanceof APIError && cause.error !== undefined ? ` ${JSON.stringify(cause.error)}` : '';
    return this.mask(`${cause.message}${body}`).slice(0, 4000);
  }

  private report(target: Target, tracer: Tracer, stats: CallStats, started: number, outcome: string, error?: AppError): void {
    const latencyMs = Math.round(performance.now() - started);
    const providerDetail = error === undefined ? undefined : this.detail(error);
    tracer.report({
      source: `llm.${target.task}`,
      // A cancel is someone's choice, not a fault.
      level: error === undefined ? 'info' : error.code === 'CANCELLED' ? 'warn' : 'error',
      message: `${target.task} via ${target.client.name}:${target.model} ${error === undefined ? outcome : `failed: ${error.code}: ${error.message}`}`,
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
        ...(error === undefined ? {} : { reason: error.message }),
        ...(providerDetail === undefined ? {} : { providerDetail }),
      },
    });
  }
}

/** The default check of a free-text reply: something was said. */
const nonEmpty: AnswerCheck<string> = (text) =>
  text.trim() === '' ? { ok: false, problem: 'the reply was empty' } : { ok: true, value: text };

const newStats = (): CallStats => ({ promptTokens: 0, completionTokens: 0, retries: 0, requests: 0, toolCalls: 0 });

function addUsage(stats: CallStats, usage: { prompt_tokens: number; completion_tokens: number }): void {
  stats.promptTokens += usage.prompt_tokens;
  stats.completionTokens += usage.completion_tokens;
}

const statusOf = (error: unknown): number | undefined => (error instanceof APIError ? error.status : undefined);

function describe(error: unknown): string {
  if (error instanceof DeadlineExceeded || error instanceof APIConnectionTimeoutError) return 'request timed out';
  if (error instanceof APIError && error.status !== undefined) return `HTTP ${error.status}`;
  return 'connection failed';
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';

/**
 * A real HTTP server on 127.0.0.1 speaking the Chat Completions protocol, scripted per test: each
 * request takes the next reply from the queue (an empty queue answers 500, so a test that sends
 * more than it scripted fails loudly). Every request is recorded, and in-flight requests are counted.
 */

export interface ScriptedUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export type ScriptedReply =
  | {
      kind: 'text';
      content: string;
      /** Nothing at all (not even headers) for this long. */
      delayMs?: number;
      /** Headers at once, then silence for this long before the body (or the first chunk of a stream). */
      stallAfterHeadersMs?: number;
      /** A stream that stops for `ms` after its first `tokens` tokens, then goes on. */
      stallMidStream?: { tokens: number; ms: number };
      /** OpenAI's `refusal` instead of content. */
      refusal?: string;
      usage?: ScriptedUsage;
    }
  | { kind: 'tool_calls'; calls: Array<{ name: string; arguments: string }>; usage?: ScriptedUsage }
  | { kind: 'error'; status: number; message: string; headers?: Record<string, string> };

/** Builders for the replies tests need. */
export const reply = {
  text: (content: string, usage?: ScriptedUsage): ScriptedReply => ({ kind: 'text', content, usage }),
  json: (value: unknown): ScriptedReply => ({ kind: 'text', content: JSON.stringify(value) }),
  /** An answer that arrives only after `delayMs`, to run past a client's timeout. */
  slow: (delayMs: number, content: string): ScriptedReply => ({ kind: 'text', content, delayMs }),
  /** Status and headers at once, then nothing for `ms`: the reply has started but stalls. */
  stallAfterHeaders: (ms: number, content: string): ScriptedReply => ({ kind: 'text', content, stallAfterHeadersMs: ms }),
  /** A streamed answer that stops for `ms` after `tokens` tokens. */
  stallMidStream: (tokens: number, ms: number, content: string): ScriptedReply => ({ kind: 'text', content, stallMidStream: { tokens, ms } }),
  /** A reply with no text. */
  empty: (): ScriptedReply => ({ kind: 'text', content: '' }),
  /** A refusal, as OpenAI sends one: `refusal` set, no content. */
  refusal: (text = "I'm sorry, but I can't help with that."): ScriptedReply => ({ kind: 'text', content: '', refusal: text }),
  /** Any error status with the provider's message (which may echo what it was sent). */
  error: (status: number, message: string): ScriptedReply => ({ kind: 'error', status, message }),
  /** One assistant message calling a tool; a string is sent as the raw arguments (to script bad JSON). */
  toolCall: (name: string, args: unknown): ScriptedReply => reply.toolCalls([name, args]),
  toolCalls: (...calls: Array<[name: string, args: unknown]>): ScriptedReply => ({
    kind: 'tool_calls',
    calls: calls.map(([name, args]) => ({ name, arguments: typeof args === 'string' ? args : JSON.stringify(args) })),
  }),
  rateLimited: (retryAfterSeconds: number): ScriptedReply => ({
    kind: 'error',
    status: 429,
    message: 'Rate limit reached',
    headers: { 'retry-after': String(retryAfterSeconds) },
  }),
  serverError: (status = 500): ScriptedReply => ({ kind: 'error', status, message: 'The server had an error' }),
  badRequest: (message = 'Invalid request'): ScriptedReply => ({ kind: 'error', status: 400, message }),
};

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: ChatCompletionCreateParams;
}

export interface OpenAiDouble {
  /** The base URL to give the SDK, ending in /v1. */
  baseUrl: string;
  readonly requests: readonly RecordedRequest[];
  /** The most requests that were ever open at the same time. */
  readonly maxInFlight: number;
  /** Requests open now (a client that gives up closes its request). */
  readonly inFlight: number;
  enqueue(...replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

const DEFAULT_USAGE: ScriptedUsage = { prompt_tokens: 10, completion_tokens: 5 };

export async function startOpenAiDouble(): Promise<OpenAiDouble> {
  const queue: ScriptedReply[] = [];
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let sequence = 0;

  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      return sendError(res, { kind: 'error', status: 404, message: `no route ${req.method} ${req.url}` });
    }
    let body: ChatCompletionCreateParams;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatCompletionCreateParams;
    } catch {
      return sendError(res, { kind: 'error', status: 400, message: 'body is not JSON' });
    }
    requests.push({ path: req.url, headers: req.headers, body });
    const next = queue.shift() ?? { kind: 'error', status: 500, message: 'the test double has no scripted reply left' };
    if (next.kind === 'error') return sendError(res, next);
    if (next.kind === 'text' && next.delayMs !== undefined) {
      // The client may give up first: then the timer is dropped and nothing is written.
      const timer = setTimeout(() => respond(res, body, next), next.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    respond(res, body, next);
  }

  /** Runs `then` after `ms`, unless the client hangs up first. */
  function later(res: ServerResponse, ms: number, then: () => void): void {
    const timer = setTimeout(() => {
      if (!res.destroyed) then();
    }, ms);
    res.on('close', () => clearTimeout(timer));
  }

  function respond(res: ServerResponse, body: ChatCompletionCreateParams, next: Exclude<ScriptedReply, { kind: 'error' }>): void {
    if (res.destroyed) return;
    const id = `chatcmpl-${++sequence}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = { ...(next.usage ?? DEFAULT_USAGE), total_tokens: 0 };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const toolCalls =
      next.kind === 'tool_calls'
        ? next.calls.map((call, i) => ({ id: `call_${sequence}_${i}`, type: 'function', function: call }))
        : undefined;
    const refusal = next.kind === 'text' ? (next.refusal ?? null) : null;
    const content = next.kind === 'text' && refusal === null ? next.content : null;
    const finishReason = next.kind === 'tool_calls' ? 'tool_calls' : 'stop';
    const stallAfterHeadersMs = next.kind === 'text' ? (next.stallAfterHeadersMs ?? 0) : 0;

    if (body.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      const event = (choices: unknown[], extra: Record<string, unknown> = {}): void => {
        res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices, ...extra })}\n\n`);
      };
      // Word by word, keeping the spaces, so the concatenated tokens equal the content.
      const tokens = (content ?? '').match(/\s*\S+/g) ?? [];
      const stall = next.kind === 'text' ? next.stallMidStream : undefined;
      const rest = (from: number): void => {
        for (let i = from; i < tokens.length; i++) {
          if (stall !== undefined && i === stall.tokens && from < stall.tokens) return later(res, stall.ms, () => rest(i));
          event([{ index: 0, delta: { content: tokens[i] }, finish_reason: null }]);
        }
        if (refusal !== null) event([{ index: 0, delta: { refusal }, finish_reason: null }]);
        if (toolCalls !== undefined) {
          event([{ index: 0, delta: { tool_calls: toolCalls.map((call, index) => ({ index, ...call })) }, finish_reason: null }]);
        }
        event([{ index: 0, delta: {}, finish_reason: finishReason }]);
        if (body.stream_options?.include_usage === true) event([], { usage });
        res.end('data: [DONE]\n\n');
      };
      later(res, stallAfterHeadersMs, () => {
        event([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
        rest(0);
      });
      return;
    }

    const message = { role: 'assistant', content, refusal, ...(toolCalls === undefined ? {} : { tool_calls: toolCalls }) };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    later(res, stallAfterHeadersMs, () =>
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model: body.model,
          choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
          usage,
        }),
      ),
    );
  }

  function sendError(res: ServerResponse, error: Extract<ScriptedReply, { kind: 'error' }>): void {
    res.writeHead(error.status, { 'content-type': 'application/json', ...error.headers });
    res.end(JSON.stringify({ error: { message: error.message, type: 'test_double', code: null, param: null } }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    get inFlight() {
      return inFlight;
    },
    enqueue: (...replies) => void queue.push(...replies),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { parseLlmEnv, type LlmSettings } from '../../src/llm/settings.js';

const parsed = (env: Record<string, string | undefined>): LlmSettings => {
  const result = parseLlmEnv(env);
  if (result instanceof AppError) throw result;
  return result;
};

const problemsOf = (env: Record<string, string | undefined>) => {
  const result = parseLlmEnv(env);
  if (!(result instanceof AppError)) throw new Error('expected an error');
  return { error: result, problems: result.details?.problems as string[], variables: result.details?.variables as string[] };
};

describe('parseLlmEnv', () => {
  it('has no clients and no routes without LLM_* variables, and documented defaults', () => {
    expect(parsed({ PATH: '/usr/bin' })).toEqual({
      clients: [],
      tasks: {},
      imageMaxSide: 1280,
      maxRetries: 3,
      retryBaseMs: 500,
      maxToolRounds: 5,
      maxAnswerAttempts: 3,
      archivus: { requestsPerHour: 60, tokensPerHour: 200_000, chatsPerUser: 2 },
    });
  });

  it('reads named clients and per-task routes (OpenAI, Qwen compatible mode, Ollama)', () => {
    const settings = parsed({
      LLM_CLIENTS: 'openai, Qwen,ollama',
      LLM_OPENAI_BASE_URL: 'https://api.openai.com/v1',
      LLM_OPENAI_API_KEY: 'sk-test',
      LLM_QWEN_BASE_URL: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1/',
      LLM_QWEN_API_KEY: 'sk-qwen',
      LLM_QWEN_MAX_CONCURRENCY: '2',
      LLM_QWEN_TIMEOUT_MS: '90000',
      LLM_OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1',
      LLM_TASK_OCR_CORRECTION: 'qwen:qwen-vl-plus',
      LLM_TASK_SUMMARY: 'openai:gpt-5-nano',
      LLM_TASK_CAPTION: 'ollama:qwen2.5vl:7b',
      LLM_IMAGE_MAX_SIDE: '1024',
      LLM_MAX_RETRIES: '5',
    });
    expect(settings.clients).toEqual([
      { name: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-test', maxConcurrency: 4, chatConcurrency: 4, timeoutMs: 60_000, idleTimeoutMs: 30_000 },
      { name: 'qwen', baseUrl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1', apiKey: 'sk-qwen', maxConcurrency: 2, chatConcurrency: 4, timeoutMs: 90_000, idleTimeoutMs: 30_000 },
      { name: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1', apiKey: undefined, maxConcurrency: 4, chatConcurrency: 4, timeoutMs: 60_000, idleTimeoutMs: 30_000 },
    ]);
    expect(settings.tasks).toEqual({
      ocr_correction: { client: 'qwen', model: 'qwen-vl-plus' },
      summary: { client: 'openai', model: 'gpt-5-nano' },
      caption: { client: 'ollama', model: 'qwen2.5vl:7b' },
    });
    expect(settings.imageMaxSide).toBe(1024);
    expect(settings.maxRetries).toBe(5);
  });

  it('names the variable when a listed client has no base URL or a bad one', () => {
    const missing = problemsOf({ LLM_CLIENTS: 'openai', LLM_TASK_CHAT: 'openai:gpt-5-nano' });
    expect(missing.error.code).toBe('LLM_NOT_CONFIGURED');
    expect(missing.variables).toEqual(['LLM_OPENAI_BASE_URL']);
    expect(missing.error.message).toContain('LLM_OPENAI_BASE_URL: required for client "openai" listed in LLM_CLIENTS');

    const bad = problemsOf({ LLM_CLIENTS: 'qwen', LLM_QWEN_BASE_URL: 'dashscope.aliyuncs.com' });
    expect(bad.problems).toEqual([
      'LLM_QWEN_BASE_URL: expected an http(s) URL such as https://api.openai.com/v1 (got "dashscope.aliyuncs.com")',
    ]);
  });

  it('refuses a base URL without the API path (the SDK appends /chat/completions to it)', () => {
    const bare = problemsOf({ LLM_CLIENTS: 'ollama', LLM_OLLAMA_BASE_URL: 'http://127.0.0.1:11434/' });
    expect(bare.problems).toEqual([
      'LLM_OLLAMA_BASE_URL: expected the API path too, usually ending in /v1 (e.g. http://127.0.0.1:11434/v1) (got "http://127.0.0.1:11434/")',
    ]);
  });

  it('reads the deadlines, the chat pool and the Archivus limits, and names bad ones', () => {
    const settings = parsed({
      LLM_CLIENTS: 'local',
      LLM_LOCAL_BASE_URL: 'http://127.0.0.1:8000/v1',
      LLM_LOCAL_IDLE_TIMEOUT_MS: '2500',
      LLM_LOCAL_CHAT_CONCURRENCY: '1',
      ARCHIVUS_REQUESTS_PER_HOUR: '10',
      ARCHIVUS_TOKENS_PER_HOUR: '5000',
      ARCHIVUS_CHATS_PER_USER: '1',
    });
    expect(settings.clients[0]).toMatchObject({ idleTimeoutMs: 2500, chatConcurrency: 1, timeoutMs: 60_000 });
    expect(settings.archivus).toEqual({ requestsPerHour: 10, tokensPerHour: 5000, chatsPerUser: 1 });
    const { variables } = problemsOf({ LLM_CLIENTS: 'local', LLM_LOCAL_BASE_URL: 'http://127.0.0.1:8000/v1', LLM_LOCAL_IDLE_TIMEOUT_MS: '5', ARCHIVUS_CHATS_PER_USER: '0' });
    expect(variables).toEqual(['LLM_LOCAL_IDLE_TIMEOUT_MS', 'ARCHIVUS_CHATS_PER_USER']);
  });

  it('names a task route with an unknown client, a missing model, or an unknown task', () => {
    const { variables, problems } = problemsOf({
      LLM_CLIENTS: 'openai',
      LLM_OPENAI_BASE_URL: 'https://api.openai.com/v1',
      LLM_TASK_SUMMARY: 'qwen:qwen-plus',
      LLM_TASK_CHAT: 'gpt-5-nano',
      LLM_TASK_TRANSLATE: 'openai:gpt-5-nano',
    });
    expect(variables).toEqual(['LLM_TASK_CHAT', 'LLM_TASK_SUMMARY', 'LLM_TASK_TRANSLATE']);
    expect(problems[0]).toBe('LLM_TASK_CHAT: expected <client>:<model>, e.g. openai:gpt-5-nano (got "gpt-5-nano")');
    expect(problems[1]).toBe('LLM_TASK_SUMMARY: client "qwen" is not listed in LLM_CLIENTS (got "qwen:qwen-plus")');
    expect(problems[2]).toMatch(/^LLM_TASK_TRANSLATE: unknown task; expected one of LLM_TASK_OCR_CORRECTION, .*LLM_TASK_TRANSLATION/);
  });

  it('names numeric variables out of range or not whole numbers', () => {
    const { variables, problems } = problemsOf({
      LLM_CLIENTS: 'ollama',
      LLM_OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1',
      LLM_OLLAMA_MAX_CONCURRENCY: '0',
      LLM_OLLAMA_TIMEOUT_MS: 'soon',
      LLM_IMAGE_MAX_SIDE: '1e9',
      LLM_MAX_RETRIES: '2.5',
    });
    expect(variables).toEqual(['LLM_OLLAMA_MAX_CONCURRENCY', 'LLM_OLLAMA_TIMEOUT_MS', 'LLM_IMAGE_MAX_SIDE', 'LLM_MAX_RETRIES']);
    expect(problems[0]).toBe('LLM_OLLAMA_MAX_CONCURRENCY: expected a whole number from 1 to 256 (got "0")');
    expect(problems[1]).toBe('LLM_OLLAMA_TIMEOUT_MS: expected a whole number (got "soon")');
  });

  it('names bad or repeated client names in LLM_CLIENTS', () => {
    const { variables, problems } = problemsOf({ LLM_CLIENTS: 'open-ai,task,local,local', LLM_LOCAL_BASE_URL: 'http://127.0.0.1:8000/v1' });
    expect(variables).toEqual(['LLM_CLIENTS']);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('client name "open-ai" must be letters, digits or underscore');
    expect(problems[1]).toContain('client name "task"');
    expect(problems[2]).toContain('client "local" is listed twice');
  });
});

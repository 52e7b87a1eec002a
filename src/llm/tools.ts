import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { z } from 'zod';
import { describeIssues, jsonSchemaOf } from './json-schema.js';

/** A function the model may call during a conversation; its arguments are validated before it runs. */
export interface LlmTool {
  readonly name: string;
  readonly definition: ChatCompletionFunctionTool;
  /**
   * Runs the tool on the model's raw JSON arguments and returns the text for the tool message.
   * Never throws: bad arguments and failures come back as an "Error: …" text the model can act on.
   */
  invoke(rawArguments: string, signal?: AbortSignal): Promise<string>;
}

export interface ToolSpec<S extends z.ZodType> {
  name: string;
  description: string;
  parameters: S;
  /** A string result is sent as-is; anything else as JSON. */
  run: (args: z.output<S>, signal?: AbortSignal) => unknown;
}

export function defineTool<S extends z.ZodType>(spec: ToolSpec<S>): LlmTool {
  return {
    name: spec.name,
    definition: {
      type: 'function',
      function: { name: spec.name, description: spec.description, parameters: jsonSchemaOf(spec.parameters) },
    },
    async invoke(rawArguments, signal) {
      let json: unknown;
      try {
        json = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
      } catch {
        return `Error: the arguments are not valid JSON: ${rawArguments}`;
      }
      const args = spec.parameters.safeParse(json);
      if (!args.success) return `Error: invalid arguments for ${spec.name}:\n${describeIssues(args.error)}`;
      try {
        const result: unknown = await spec.run(args.data, signal);
        return typeof result === 'string' ? result : JSON.stringify(result ?? null);
      } catch (error) {
        return `Error: ${spec.name} failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    },
  };
}

import { z } from 'zod';

/** The JSON Schema of a zod schema, as tool parameters and answer formats are sent to the model. */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  // Some compatible servers reject the "$schema" keyword; the body of the schema is all they need.
  const { $schema: _dialect, ...body } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' });
  return body;
}

/** One line per problem, "path: message", to show a model what was wrong with its answer. */
export const describeIssues = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.length === 0 ? '(answer)' : issue.path.join('.')}: ${issue.message}`).join('\n');

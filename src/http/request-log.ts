import type { FastifyRequest } from 'fastify';

/**
 * What the log keeps of a request: its path and, of the query string, only a GraphQL operation
 * name. A GET's query and variables (which may hold passwords and personal data) are never logged.
 */
export function requestLog(request: FastifyRequest): Record<string, unknown> {
  const [path, query] = request.url.split('?', 2);
  const operationName = query === undefined ? null : new URLSearchParams(query).get('operationName');
  return {
    method: request.method,
    url: path,
    ...(operationName ? { operationName: operationName.slice(0, 100) } : {}),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort,
  };
}

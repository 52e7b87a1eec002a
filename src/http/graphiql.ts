import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { securePages } from './page-security.js';

const require = createRequire(import.meta.url);
/** A file inside an installed package, past its "exports" map. */
const packageFile = (pkg: string, file: string): string => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);

// Served from the installed packages: GraphiQL must work with no internet access.
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  'react.js': { file: packageFile('react', 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.js': { file: packageFile('react-dom', 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.js': { file: packageFile('graphiql', 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.css': { file: packageFile('graphiql', 'graphiql.min.css'), type: 'text/css' },
};

// The fetcher echoes the CSRF cookie in x-csrf-token, so that after signIn the cookie session works;
// subscriptions go over graphql-ws (bundled in GraphiQL), authenticated by the same cookie.
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>ArchAIve GraphiQL</title>
  <link rel="stylesheet" href="/graphiql/assets/graphiql.css" />
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script src="/graphiql/assets/react.js"></script>
  <script src="/graphiql/assets/react-dom.js"></script>
  <script src="/graphiql/assets/graphiql.js"></script>
  <script src="/graphiql/page.js"></script>
</body>
</html>`;

const SCRIPT = `(function () {
  function csrf() {
    var m = document.cookie.match(/(?:^|; )archaive_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : undefined;
  }
  var http = GraphiQL.createFetcher({
    url: location.origin + '/graphql',
    subscriptionUrl: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql'
  });
  function fetcher(params, options) {
    var headers = Object.assign({}, options && options.headers);
    var token = csrf();
    if (token) headers['x-csrf-token'] = token;
    return http(params, Object.assign({}, options, { headers: headers }));
  }
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: '# Sign in first:\\n# mutation { signIn(identifier: "admin", password: "…") { token user { username role } } }\\n\\nquery { me { username role } }\\n' })
  );
})();`;

/** GraphiQL at /graphiql with its assets from node_modules (no CDN). */
export async function registerGraphiql(app: FastifyInstance): Promise<void> {
  securePages(app, '/graphiql');
  app.get('/graphiql', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  app.get('/graphiql/page.js', async (_request, reply) => reply.type('text/javascript').send(SCRIPT));
  app.get<{ Params: { name: string } }>('/graphiql/assets/:name', async (request, reply) => {
    const asset = ASSETS[request.params.name];
    if (asset === undefined) return reply.code(404).send({ error: 'Not found' });
    return reply.type(asset.type).header('cache-control', 'public, max-age=86400').send(createReadStream(asset.file));
  });
}

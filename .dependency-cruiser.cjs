/**
 * The layers of src/, checked on every `npm run lint` (docs/architecture.md
 * draws them): server → handlers → actors → store, with protocol/ pure and
 * workers/ beside the actors. An import against these arrows fails the lint.
 */
module.exports = {
  forbidden: [
    {
      name: 'protocol-is-pure',
      comment: 'protocol/ parses and builds frames; it imports nothing of ours.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { path: '^src/', pathNot: '^src/protocol/' },
    },
    {
      name: 'store-is-the-bottom',
      comment: 'store/ is Redis only: it never imports the actors, handlers, server or workers above it.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(actors|handlers|server|workers)/' },
    },
    {
      name: 'actors-never-see-sockets',
      comment: 'Actors get a deliver(bytes) callback; they never import the server or the handlers.',
      severity: 'error',
      from: { path: '^src/actors/' },
      to: { path: '^src/(server|handlers)/' },
    },
    {
      name: 'workers-below-actors',
      comment: 'Worker tasks use the store only.',
      severity: 'error',
      from: { path: '^src/workers/' },
      to: { path: '^src/(actors|handlers|server)/' },
    },
    {
      name: 'handlers-below-server',
      comment: 'Handlers see the connection through ConnectionHandle, never the server module.',
      severity: 'error',
      from: { path: '^src/handlers/' },
      to: { path: '^src/server/' },
    },
    {
      name: 'client-stands-alone',
      comment: 'The SDK runs in browsers: it shares only the wire types with the server, nothing that runs there.',
      severity: 'error',
      from: { path: '^client/' },
      to: { pathNot: '^(client/|src/protocol/wire\\.ts$)' },
    },
    {
      name: 'server-never-imports-the-client',
      comment: 'src/ is the server; the SDK and the web page are built beside it, not into it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(client|web)/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes the layers meaningless.',
      severity: 'error',
      from: { path: '^(src|client)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};

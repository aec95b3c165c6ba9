// The direction dependencies may point in, checked by `npm run lint` (type-only imports count):
//   domain ← store (ports, adapters) ← services ← graphql, resolvers ← server ← app, cli
//   streams use services and the store; configuration imports only the domain and paths.
const layer = (name, from, forbidden) => ({ name, severity: 'error', from: { path: from }, to: { path: forbidden } });

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'No import cycles, type-only ones included.', from: {}, to: { circular: true } },
    layer('domain-is-the-core', '^src/domain/', '^src/(?!domain/)'),
    layer('store-below-services', '^src/store/', '^src/(services|graphql|resolvers|server|streams|cli|app|config)'),
    layer('services-below-transports', '^src/services/', '^src/(graphql|resolvers|server|streams|cli|app)'),
    layer('graphql-below-server', '^src/(graphql|resolvers)/', '^src/(server|streams|cli|app)'),
    layer('streams-below-server', '^src/streams/', '^src/(graphql|resolvers|server|cli|app)'),
    layer('server-below-app', '^src/server/', '^src/(cli|app)'),
    layer('config-imports-only-the-domain', '^src/config\\.ts$', '^src/(?!domain/|paths\\.ts)'),
    { name: 'no-test-code-in-src', severity: 'error', from: { path: '^src/', pathNot: '\\.test\\.ts$' }, to: { path: '^test/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};

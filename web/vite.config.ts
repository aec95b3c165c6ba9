// The web catalog's build: two pages (the catalog, and GraphiQL at /graphiql), static files in
// dist/catalog that the server itself serves. No CDN at run time: everything is bundled.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: __dirname,
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: resolve(__dirname, '../dist/catalog'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // Libraries marked for React Server Components say "use client"; in a client bundle that means nothing.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' || warning.code === 'SOURCEMAP_ERROR') return;
        warn(warning);
      },
      input: { index: resolve(__dirname, 'index.html'), graphiql: resolve(__dirname, 'graphiql.html') },
    },
  },
  server: { proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true }, '/api': 'http://127.0.0.1:4000' } },
});

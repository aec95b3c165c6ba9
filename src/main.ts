// `npm start`: the server in embedded mode, with the demo tenant and ready-to-paste tokens.
import { demoTokens, startApp, untilShutdown } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { DEMO_TENANT, seedDemo } from './demo/estate.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  const app = await startApp(config, log);
  if (config.demoData && (await seedDemo(app.services, DEMO_TENANT))) log.info({ tenant: DEMO_TENANT }, 'demo estate loaded');
  log.info({ url: app.server.url, store: app.store.kind }, 'metalake ready');

  if (app.config.jwt.devSecret) {
    const { viewer, steward } = (await demoTokens(app.config)).tokens;
    process.stdout.write(`
metalake is running at ${app.server.url} (${app.store.kind === 'embedded' ? `embedded store in ${config.dataDir}` : `${app.store.kind} store`})
The web catalog: ${new URL('/', app.server.url).href} (sign in there with one click as the demo viewer or steward)

Development tokens for tenant "${DEMO_TENANT}" (12 h; mint more with: npm run token -- --tenant acme --roles viewer):
  viewer:  ${viewer}
  steward: ${steward}

Try:
  curl -s ${app.server.url} -H 'content-type: application/json' -H "authorization: Bearer ${viewer}" \\
    -d '{"query":"{ lineage(qualifiedName: \\"snowflake://acme/analytics.raw.customers.email\\", depth: 3) { nodes { qualifiedName classifications { name propagated } } } }"}'

`);
  }

  await untilShutdown(() => app.close(), log, config.shutdownGraceMs);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`metalake failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

import { parseArgs } from 'node:util';
import { buildApi } from '@hourmeter/api';
import { openDb, repositories } from '@hourmeter/db';
import { ConfigError, createLogger, loadConfig, Shutdown } from '@hourmeter/runtime';
import { loadDemoFleet } from './demo.js';
import { VERSION } from './version.js';

const USAGE = `Usage: npm start [-- --demo]

Runs every Hourmeter service in one process on the embedded stores.
  --demo   also load a small demo fleet (idempotent)
  --help   show this text
Configuration comes from environment variables (see README).`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { demo: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  const logger = createLogger({ level: config.HM_LOG_LEVEL });
  const shutdown = new Shutdown(logger, config.HM_SHUTDOWN_TIMEOUT_MS);
  shutdown.onSignals();

  const db = await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.HM_DATA_DIR, logger });
  shutdown.register('relational store', () => db.close());
  const repos = repositories(db);

  const bootstrap = await repos.apiKeys.bootstrapAdmin(config.HM_ADMIN_KEY);
  if (bootstrap?.generated) {
    // Deliberately not through the logger: a secret must not travel to log
    // aggregation. It is shown to the operator once, on the first start.
    process.stderr.write(
      `\n  Hourmeter admin API key (shown once, store it now):\n\n    ${bootstrap.key}\n\n  Use it as: Authorization: Bearer <key>\n\n`,
    );
  } else if (bootstrap) {
    logger.info('admin API key installed from HM_ADMIN_KEY');
  }

  if (values.demo) await loadDemoFleet(repos, config.HM_DATA_DIR, logger);

  const api = await buildApi({ repos, logger, version: VERSION, health: { database: () => db.ping() } });
  shutdown.register('http server', () => api.close());
  const address = await api.listen({ host: config.HM_HTTP_HOST, port: config.HM_HTTP_PORT });
  logger.info({ address, docs: `${address}/docs`, dataDir: config.HM_DATA_DIR, database: db.dialect }, 'hourmeter listening');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`hourmeter failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

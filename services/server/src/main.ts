import { parseArgs } from 'node:util';
import { ConfigError, createLogger, loadConfig, Shutdown } from '@hourmeter/runtime';
import { buildServer } from './build-server.js';

const USAGE = `Usage: npm start [-- --demo [--demo-speed 600]]

Runs every Hourmeter service in one process on the embedded stores, or the
part HM_ROLE selects (all | broker | ingest | prediction | api | edge, see
docs/operations.md "Process roles").
  --demo          also load a small demo fleet (idempotent) and run its
                  simulated devices in-process over MQTT
  --demo-speed N  simulated seconds per second for the demo fleet (default 600)
  --help          show this text
Configuration comes from environment variables (see README).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      demo: { type: 'boolean', default: false },
      'demo-speed': { type: 'string', default: '600' },
      help: { type: 'boolean', default: false },
    },
  });
  const demoSpeed = Number(values['demo-speed']);
  if (!(demoSpeed >= 1 && demoSpeed <= 86_400)) {
    process.stderr.write(`--demo-speed must be a number from 1 to 86400, got ${values['demo-speed']}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  const logger = createLogger({ level: config.HM_LOG_LEVEL }).child({ role: config.HM_ROLE });
  // Installed before building, so a signal during start-up closes what is already open.
  const shutdown = new Shutdown(logger, config.HM_SHUTDOWN_TIMEOUT_MS);
  shutdown.onSignals();
  await buildServer(config, {
    logger,
    shutdown,
    demo: values.demo ? { speed: demoSpeed } : undefined,
    onAdminKey: (key) => {
      // Deliberately not through the logger: a secret must not travel to log
      // aggregation. It is shown to the operator once, on the first start.
      process.stderr.write(`\n  Hourmeter admin API key (shown once, store it now):\n\n    ${key}\n\n  Use it as: Authorization: Bearer <key>\n\n`);
    },
    onAdminUser: (user) => {
      // The first person to sign in to the console: same rule, printed once when generated.
      process.stderr.write(`\n  Hourmeter console sign-in (shown once, store it now):\n\n    e-mail:   ${user.email}\n    password: ${user.password}\n\n`);
    },
  });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`hourmeter failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

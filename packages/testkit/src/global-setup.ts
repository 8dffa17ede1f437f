import type { TestProject } from 'vitest/node';
import './provided.js';
import { findOnPath, findPostgresBin, startInfluxd, startPostgres, startRedis, type RunningServer } from './servers.js';

/**
 * Starts the real servers the suites need once per `npm test` run, so a laptop
 * and CI behave the same. A missing binary skips its suites with a message
 * (CI installs them all); `HM_TEST_REQUIRE_SERVERS=1` turns that into a failure.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const running: RunningServer[] = [];
  const required = process.env.HM_TEST_REQUIRE_SERVERS === '1';
  const missing = (what: string, pkg: string) => {
    const msg = `${what} not found: its suites are skipped (install Debian's \`${pkg}\` package)`;
    if (required) throw new Error(msg);
    console.warn(`[testkit] ${msg}`);
  };

  const start = async (name: string, binary: string | undefined, pkg: string, starter: (b: string) => Promise<RunningServer>) => {
    if (!binary) {
      missing(name, pkg);
      return '';
    }
    const server = await starter(binary);
    running.push(server);
    return server.url;
  };

  const [postgresUrl, influxUrl, redisUrl, hasDocker] = await Promise.all([
    process.env.HM_TEST_POSTGRES_URL ?? start('PostgreSQL', findPostgresBin(), 'postgresql', startPostgres),
    process.env.HM_TEST_INFLUX_URL ?? start('influxd', findOnPath('influxd'), 'influxdb', startInfluxd),
    process.env.HM_TEST_REDIS_URL ?? start('redis-server', findOnPath('redis-server'), 'redis-server', startRedis),
    probeDocker(),
  ]);
  project.provide('postgresUrl', postgresUrl);
  project.provide('influxUrl', influxUrl);
  project.provide('redisUrl', redisUrl);
  project.provide('hasDocker', hasDocker);

  return async () => {
    await Promise.all(running.map((s) => s.stop()));
  };
}

async function probeDocker(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    console.warn('[testkit] no Docker engine: InfluxDB 2 testcontainers suites are skipped');
    return false;
  }
}

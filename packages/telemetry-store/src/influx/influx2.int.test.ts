import { randomBytes } from 'node:crypto';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { suiteTitle } from '@hourmeter/testkit';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { telemetryStoreContract } from '../contract.js';
import { createInfluxTelemetryStore } from './store.js';

const TOKEN = 'hourmeter-test-token';
const ORG = 'hourmeter';

describe.skipIf(!inject('hasDocker'))(suiteTitle('InfluxDB 2.7 (testcontainers)', !inject('hasDocker'), 'no Docker engine answers'), () => {
  let container: StartedTestContainer | undefined;
  let url = '';
  let orgId = '';

  const api = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Token ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
    });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };

  beforeAll(async () => {
    // DOCKER_INFLUXDB_INIT_MODE=setup: the entrypoint runs the initial setup
    // against a temporary influxd on another port, then starts the real one on
    // 8086, so /health answering there means setup is complete.
    container = await new GenericContainer('influxdb:2.7')
      .withEnvironment({
        DOCKER_INFLUXDB_INIT_MODE: 'setup',
        DOCKER_INFLUXDB_INIT_USERNAME: 'hourmeter',
        DOCKER_INFLUXDB_INIT_PASSWORD: 'hourmeter-test-password',
        DOCKER_INFLUXDB_INIT_ORG: ORG,
        DOCKER_INFLUXDB_INIT_BUCKET: 'telemetry',
        DOCKER_INFLUXDB_INIT_ADMIN_TOKEN: TOKEN,
      })
      .withExposedPorts(8086)
      .withWaitStrategy(Wait.forHttp('/health', 8086).forStatusCode(200))
      .withStartupTimeout(120_000)
      .start();
    url = `http://${container.getHost()}:${container.getMappedPort(8086)}`;
    const orgs = (await (await api(`/api/v2/orgs?org=${ORG}`)).json()) as { orgs: { id: string }[] };
    orgId = orgs.orgs[0]!.id;
  }, 180_000);

  afterAll(async () => {
    await container?.stop();
  });

  // A bucket per store; its virtual DBRP mapping (2.2+) makes it an InfluxQL database.
  telemetryStoreContract('InfluxDB 2.7', async () => {
    const name = `hm_${randomBytes(6).toString('hex')}`;
    const created = (await (await api('/api/v2/buckets', {
      method: 'POST',
      body: JSON.stringify({ orgID: orgId, name, retentionRules: [] }),
    })).json()) as { id: string };
    const store = createInfluxTelemetryStore({ url, version: 2, token: TOKEN, org: ORG, bucket: name });
    return {
      store,
      async cleanup() {
        await store.close();
        await api(`/api/v2/buckets/${created.id}`, { method: 'DELETE' });
      },
    };
  });
});

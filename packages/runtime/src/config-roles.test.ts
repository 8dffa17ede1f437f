import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

const SHARED = {
  DATABASE_URL: 'postgres://u:p@db:5432/hm',
  HM_TELEMETRY_STORE: 'influxdb',
  INFLUX_URL: 'http://influx:8086',
  INFLUX_VERSION: '1',
  HM_SERVICE_SECRET: 'service-secret-0123456789abcdef',
};

const message = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('configuration was accepted');
};

describe('HM_ROLE', () => {
  it('defaults to all, which runs on the embedded stores as before', () => {
    expect(loadConfig({}).HM_ROLE).toBe('all');
    expect(loadConfig({ HM_ROLE: 'all' }).DATABASE_URL).toBeUndefined();
  });

  it('accepts every split role on the shared stores', () => {
    expect(loadConfig({ ...SHARED, HM_ROLE: 'edge' }).HM_ROLE).toBe('edge');
    expect(loadConfig({ ...SHARED, HM_ROLE: 'api', HM_MQTT_URL: 'mqtt://mqtt-lb:1883' }).HM_MQTT_URL).toBe('mqtt://mqtt-lb:1883');
    expect(loadConfig({ ...SHARED, HM_ROLE: 'broker', HM_REDIS_URL: 'redis://redis:6379' }).HM_PARTITIONS).toBe(16);
    const worker = loadConfig({ ...SHARED, HM_ROLE: 'ingest', HM_MQTT_URL: 'mqtt://lb:1883', HM_REDIS_URL: 'redis://redis:6379', HM_PARTITIONS: '32', HM_PARTITION_LEASE_MS: '5000' });
    expect([worker.HM_PARTITIONS, worker.HM_PARTITION_LEASE_MS]).toEqual([32, 5000]);
    expect(loadConfig({ ...SHARED, HM_ROLE: 'prediction', HM_MQTT_URL: 'mqtt://lb:1883' }).HM_PARTITION_LEASE_MS).toBe(15_000);
  });

  it('refuses unknown roles and partition counts out of range', () => {
    expect(message({ HM_ROLE: 'worker' })).toMatch(/HM_ROLE/);
    expect(message({ HM_PARTITIONS: '0' })).toMatch(/HM_PARTITIONS/);
    expect(message({ HM_PARTITIONS: '2000' })).toMatch(/HM_PARTITIONS/);
  });

  it('needs Redis for broker nodes and ingest workers, and a broker URL for the worker roles', () => {
    expect(message({ ...SHARED, HM_ROLE: 'broker' })).toMatch(/HM_REDIS_URL: required when HM_ROLE=broker/);
    expect(message({ ...SHARED, HM_ROLE: 'ingest' })).toMatch(/HM_MQTT_URL: required when HM_ROLE=ingest/);
    expect(message({ ...SHARED, HM_ROLE: 'ingest', HM_MQTT_URL: 'mqtt://lb:1883' })).toMatch(/HM_REDIS_URL: required when HM_ROLE=ingest/);
    expect(message({ ...SHARED, HM_ROLE: 'prediction' })).toMatch(/HM_MQTT_URL: required when HM_ROLE=prediction/);
  });

  it.each(['edge', 'api', 'broker', 'ingest', 'prediction'])('refuses %s on the embedded stores, naming the variables', (role) => {
    const m = message({ HM_ROLE: role, HM_SERVICE_SECRET: SHARED.HM_SERVICE_SECRET, HM_MQTT_URL: 'mqtt://lb:1883', HM_REDIS_URL: 'redis://r:6379' });
    expect(m).toMatch(/DATABASE_URL: required when HM_ROLE=\w+: the embedded store files cannot be shared between processes/);
    expect(m).toMatch(/HM_TELEMETRY_STORE: must be influxdb when HM_ROLE=/);
    expect(m).not.toContain('HM_SERVICE_SECRET');
  });

  it('requires the service secret for split roles and the broker URL for api, and redacts the secret', () => {
    const { HM_SERVICE_SECRET: _omit, ...withoutSecret } = SHARED;
    expect(message({ ...withoutSecret, HM_ROLE: 'edge' })).toMatch(/HM_SERVICE_SECRET: required when HM_ROLE=edge/);
    expect(message({ ...SHARED, HM_ROLE: 'api' })).toMatch(/HM_MQTT_URL: required when HM_ROLE=api/);
    const short = message({ ...SHARED, HM_ROLE: 'edge', HM_SERVICE_SECRET: 'short-secret' });
    expect(short).toMatch(/HM_SERVICE_SECRET: must be at least 24 characters/);
    expect(short).not.toContain('short-secret');
    expect(message({ ...SHARED, HM_ROLE: 'api', HM_MQTT_URL: 'http://lb:1883' })).toMatch(/HM_MQTT_URL: must be an mqtt:/);
  });
});

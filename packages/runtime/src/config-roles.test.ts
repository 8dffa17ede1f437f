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

  it('accepts edge and api on the shared stores', () => {
    expect(loadConfig({ ...SHARED, HM_ROLE: 'edge' }).HM_ROLE).toBe('edge');
    expect(loadConfig({ ...SHARED, HM_ROLE: 'api', HM_MQTT_URL: 'mqtt://mqtt-lb:1883' }).HM_MQTT_URL).toBe('mqtt://mqtt-lb:1883');
  });

  it('refuses unknown roles', () => {
    expect(message({ HM_ROLE: 'broker' })).toMatch(/HM_ROLE/);
  });

  it.each(['edge', 'api'])('refuses %s on the embedded stores, naming the variables', (role) => {
    const m = message({ HM_ROLE: role, HM_SERVICE_SECRET: SHARED.HM_SERVICE_SECRET, HM_MQTT_URL: 'mqtt://lb:1883' });
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

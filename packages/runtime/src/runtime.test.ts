import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError, ConfigError, createLogger, hashSecret, loadConfig, newSecret, redactUrl, secretMatches, Shutdown } from './index.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()));
      cb();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('config', () => {
  it('applies embedded defaults and freezes the result', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ HM_HTTP_PORT: 8080, HM_DATA_DIR: './data', HM_LOG_LEVEL: 'info' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable and never echoes a secret', () => {
    let error: unknown;
    try {
      loadConfig({ HM_HTTP_PORT: '70000', DATABASE_URL: 'mysql://u:hunter2@db/x', HM_LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('HM_HTTP_PORT');
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('HM_LOG_LEVEL');
    expect(message).not.toContain('hunter2');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ HM_HTTP_PORT: '', DATABASE_URL: '' }).HM_HTTP_PORT).toBe(8080);
  });
});

describe('logger', () => {
  it('redacts secrets in structured fields', () => {
    const { lines, logger } = capture();
    logger.info({ credentials: { password: 's3cret' }, req: { headers: { authorization: 'Bearer k' } }, token: 't' }, 'hello');
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('Bearer k');
    expect(text).not.toContain('"t"');
    expect(text).toContain('hello');
  });
});

describe('shutdown', () => {
  it('closes hooks in reverse order, once, even when called twice', async () => {
    const { logger } = capture();
    const order: string[] = [];
    const shutdown = new Shutdown(logger, 1000);
    shutdown.register('store', () => void order.push('store'));
    shutdown.register('http', async () => void order.push('http'));
    await Promise.all([shutdown.run('test'), shutdown.run('again')]);
    expect(order).toEqual(['http', 'store']);
  });

  it('bounds a stuck hook by the timeout and reports failure', async () => {
    const { logger, lines } = capture();
    const shutdown = new Shutdown(logger, 50);
    shutdown.register('stuck', () => new Promise(() => {}));
    await expect(shutdown.run('test')).rejects.toThrow(/errors/);
    expect(lines.some((l) => l.hook === 'stuck')).toBe(true);
  });

  it('still runs every hook after a stuck one, and finishes within the timeout', async () => {
    const { logger } = capture();
    const order: string[] = [];
    const shutdown = new Shutdown(logger, 1000);
    shutdown.register('store', () => void order.push('store'));
    shutdown.register('ingest', () => new Promise<void>((r) => setTimeout(() => (order.push('ingest'), r()), 20)));
    shutdown.register('stuck', () => new Promise(() => {}));
    shutdown.register('http', () => void order.push('http'));
    const started = Date.now();
    await expect(shutdown.run('test')).rejects.toThrow(/errors/);
    expect(order).toEqual(['http', 'ingest', 'store']);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('secrets and errors', () => {
  it('matches only the right secret against its stored hash', () => {
    const secret = newSecret();
    const hash = hashSecret(secret);
    expect(hash).not.toContain(secret);
    expect(secretMatches(secret, hash)).toBe(true);
    expect(secretMatches(secret + 'x', hash)).toBe(false);
    expect(secretMatches(secret, 'abc')).toBe(false);
  });

  it('carries a stable code, status and retryability', () => {
    const e = new AppError('UNAVAILABLE', 'store down');
    expect([e.code, e.status, e.retryable]).toEqual(['UNAVAILABLE', 503, true]);
    expect(new AppError('CONFLICT', 'dup').retryable).toBe(false);
  });
});

describe('telemetry store config', () => {
  it('requires the InfluxDB connection when selected, naming what is missing', () => {
    expect(() => loadConfig({ HM_TELEMETRY_STORE: 'influxdb' })).toThrow(/INFLUX_URL[\s\S]*INFLUX_TOKEN[\s\S]*INFLUX_ORG/);
    const v1 = loadConfig({ HM_TELEMETRY_STORE: 'influxdb', INFLUX_URL: 'http://127.0.0.1:8086', INFLUX_VERSION: '1' });
    expect(v1).toMatchObject({ INFLUX_VERSION: 1, INFLUX_BUCKET: 'hourmeter' });
    expect(() => loadConfig({ INFLUX_VERSION: '3' })).toThrow(/INFLUX_VERSION/);
  });
});

describe('redactUrl', () => {
  it('hides the password of a connection URL and keeps the rest', () => {
    expect(redactUrl('redis://hm:s3cret@redis:6379/1')).toBe('redis://hm:***@redis:6379/1');
    expect(redactUrl('mqtt://lb:1883')).toBe('mqtt://lb:1883');
    expect(redactUrl('not a url s3cret')).toBe('[unparsable url]');
  });
});

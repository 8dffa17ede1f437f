import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Creates a uniquely named database on the test cluster so suites running in
 * parallel never see each other's rows; `drop` removes it.
 */
export async function pgDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `hm_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

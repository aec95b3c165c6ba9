// A database of its own on a PostgreSQL server (the engines harness's), for the connector tests
// and bench:crawl.
import { randomUUID } from 'node:crypto';
import pg from 'pg';

export interface Database {
  name: string;
  /** The database's URL, with the server's credentials. */
  url: string;
  /** Runs SQL (several statements allowed) in the database. */
  sql: (text: string) => Promise<void>;
}

export async function createDatabase(adminUrl: string, prefix: string, ddl = ''): Promise<Database> {
  const name = `${prefix}_${randomUUID().slice(0, 8)}`;
  const root = new pg.Client({ connectionString: adminUrl });
  await root.connect();
  try {
    await root.query(`CREATE DATABASE ${name}`);
  } finally {
    await root.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = async (text: string) => {
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  if (ddl) await sql(ddl);
  return { name, url: url.toString(), sql };
}

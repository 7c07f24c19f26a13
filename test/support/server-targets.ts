// PostgreSQL and MySQL/MariaDB targets: each test file gets its own database, created on the service named by
// QUARRY_TEST_POSTGRES / QUARRY_TEST_MYSQL and dropped after the file.
import { randomBytes } from 'node:crypto'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { registerTarget } from './backends.ts'

export const POSTGRES_URL = process.env.QUARRY_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'
export const MYSQL_URL = process.env.QUARRY_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306/test'

const freshName = () => `quarry_t_${randomBytes(6).toString('hex')}`
const withDatabase = (url: string, db: string) => {
  const u = new URL(url)
  u.pathname = `/${db}`
  return u.toString()
}
const reason = (e: unknown) => `${(e as Error).message || (e as { code?: string }).code || String(e)}`

/** One admin connection on the service's own database, for CREATE / DROP DATABASE. */
async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

async function mysqlAdmin<T>(fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 5000 })
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

let pgProbe: Promise<string | null> | undefined
registerTarget({
  vendor: 'postgres',
  unavailable: () =>
    (pgProbe ??= pgAdmin((c) => c.query('SELECT 1')).then(
      () => null,
      (e) => `cannot reach ${POSTGRES_URL} (${reason(e)})`,
    )),
  async create() {
    const name = freshName()
    await pgAdmin((c) => c.query(`CREATE DATABASE ${name}`))
    return {
      url: withDatabase(POSTGRES_URL, name),
      drop: () => pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
    }
  },
})

let mysqlProbe: Promise<string | null> | undefined
registerTarget({
  vendor: 'mysql',
  unavailable: () =>
    (mysqlProbe ??= mysqlAdmin((c) => c.query('SELECT 1')).then(
      () => null,
      (e) => `cannot reach ${MYSQL_URL} (${reason(e)})`,
    )),
  async create() {
    const name = freshName()
    await mysqlAdmin((c) => c.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`))
    return {
      url: withDatabase(MYSQL_URL, name),
      drop: () => mysqlAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name}`)).then(() => {}),
    }
  },
})

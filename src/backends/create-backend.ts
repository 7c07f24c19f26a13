import { ImproperlyConfigured } from '../errors.ts'
import type { Backend } from './backend.ts'
import type { SqliteDriverName } from './sqlite/sqlite-connection.ts'

export type { SqliteDriverName }

export interface PoolOptions {
  /** Most connections open at once (servers only). Default 10. */
  max?: number
  /** Close connections idle this long, in ms. Default 30 000. */
  idleTimeoutMs?: number
  /** Give up opening a connection after this long, in ms. Default 10 000. */
  connectTimeoutMs?: number
  /**
   * Give up waiting for a free connection after this long, in ms, with an `OperationalError` naming what holds
   * them (on SQLite: waiting for another transaction to end). Default 5 000.
   */
  acquireTimeoutMs?: number
}

/** The transaction isolation level of every connection (`connect(url, schema, { isolationLevel })`). */
export type IsolationLevel = 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable'

/** What a backend is built with: pool sizing and session settings. */
export interface BackendOptions extends PoolOptions {
  /**
   * Default: READ COMMITTED on PostgreSQL (its own default) and MySQL/MariaDB (Django's default since 2.0: under
   * REPEATABLE READ a read after a losing INSERT still sees the transaction's old snapshot); SQLite is always
   * serializable.
   */
  isolationLevel?: IsolationLevel | undefined
  /** SQLite file settings and driver: see `ConnectOptions.sqlite`. */
  sqlite?:
    | { wal?: boolean | undefined; busyTimeoutMs?: number | undefined; driver?: SqliteDriverName | undefined }
    | undefined
}

const LEVELS: readonly IsolationLevel[] = ['read uncommitted', 'read committed', 'repeatable read', 'serializable']

/** Backend factories by URL scheme; server backends load their driver only when used. */
const factories = new Map<string, (url: string, pool: BackendOptions) => Promise<Backend>>([
  ['sqlite', sqlite],
  ['postgres', postgres],
  ['postgresql', postgres],
  ['mysql', mysql],
  ['mariadb', mysql],
])

/**
 * `node:sqlite` is loaded only when a SQLite URL is used, so PostgreSQL and MySQL users can run on any Node that
 * imports quarry. SQLite needs Node 24 (`node:sqlite` with rows as arrays; the better-sqlite3 driver is tested there
 * only).
 */
async function sqlite(url: string, pool: BackendOptions): Promise<Backend> {
  const needNode24 = () =>
    new ImproperlyConfigured(
      `SQLite databases need Node 24 or later (node:sqlite); this is Node ${process.versions.node}. Install Node 24, or add it to your project: npm install --save-dev node@24 (npm run then uses it), and set "engines": { "node": ">=24" }.`,
    )
  if (Number(process.versions.node.split('.')[0]) < 24) throw needNode24()
  try {
    const { SqliteBackend } = await import('./sqlite/sqlite-backend.ts')
    return await SqliteBackend.open(url, pool)
  } catch (e) {
    throw (e as { code?: string }).code === 'ERR_UNKNOWN_BUILTIN_MODULE' ? needNode24() : e
  }
}

async function postgres(url: string, pool: BackendOptions): Promise<Backend> {
  const { PostgresBackend } = await import('./postgres/postgres-backend.ts')
  const backend = new PostgresBackend(url, pool)
  await checked(backend, () => backend.check())
  return backend
}

async function mysql(url: string, pool: BackendOptions): Promise<Backend> {
  const { MysqlBackend } = await import('./mysql/mysql-backend.ts')
  return MysqlBackend.open(url, pool)
}

/** Open a first connection so a wrong URL fails `connect()`; the backend is closed again if it does. */
async function checked(backend: Backend, check: () => Promise<void>): Promise<void> {
  try {
    await check()
  } catch (e) {
    await backend.close().catch(() => {})
    throw backend.translateError(e, undefined)
  }
}

/**
 * `sqlite::memory:`, `sqlite:./app.db`, `postgres://…`, `mysql://…` (`mariadb://…`) → a backend. Server backends
 * open one connection before returning, so a wrong URL fails here.
 */
export async function createBackend(url: string, pool: BackendOptions = {}): Promise<Backend> {
  if (typeof url !== 'string')
    throw new ImproperlyConfigured('connect() takes a database URL string such as sqlite::memory:.')
  if (pool.isolationLevel !== undefined && !LEVELS.includes(pool.isolationLevel))
    throw new ImproperlyConfigured(
      `Unknown isolationLevel '${String(pool.isolationLevel)}'. Use one of ${LEVELS.map((l) => `'${l}'`).join(', ')}.`,
    )
  const scheme = /^([a-z0-9+]+):/i.exec(url)?.[1]?.toLowerCase()
  const factory = scheme ? factories.get(scheme) : undefined
  if (!factory)
    throw new ImproperlyConfigured(
      `Unsupported database URL scheme${scheme ? ` '${scheme}:'` : ''}. Use sqlite::memory:, sqlite:./app.db${[
        ...factories.keys(),
      ]
        .filter((k) => k !== 'sqlite')
        .map((k) => `, ${k}://…`)
        .join('')}.`,
    )
  return factory(url, pool)
}

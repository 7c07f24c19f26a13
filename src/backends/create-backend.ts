import { ImproperlyConfigured } from '../errors.ts'
import type { Backend } from './backend.ts'
import { SqliteBackend } from './sqlite/sqlite-backend.ts'

export interface PoolOptions {
  /** Most connections open at once (servers only). Default 10. */
  max?: number
  /** Close connections idle this long, in ms. Default 30 000. */
  idleTimeoutMs?: number
  /** Give up opening a connection after this long, in ms. Default 10 000. */
  connectTimeoutMs?: number
}

/** Backend factories by URL scheme; server backends load their driver only when used. */
const factories = new Map<string, (url: string, pool: PoolOptions) => Promise<Backend>>([
  ['sqlite', async (url) => new SqliteBackend(url)],
])

/** `sqlite::memory:`, `sqlite:./app.db`, `postgres://…`, `mysql://…` → a backend. */
export async function createBackend(url: string, pool: PoolOptions = {}): Promise<Backend> {
  if (typeof url !== 'string')
    throw new ImproperlyConfigured('connect() takes a database URL string such as sqlite::memory:.')
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

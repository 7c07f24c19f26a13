// The cache backends every cache contract suite runs against. Redis is the machine's service (QUARRY_TEST_REDIS);
// each test file uses its own random key prefix so parallel runs never see each other's keys, and clears only
// that prefix afterwards.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe } from 'vitest'
import type { BaseCache } from '../../src/cache/base-cache.ts'
import { type CreateCacheOptions, createCache } from '../../src/cache/create-cache.ts'

export const REDIS_URL = process.env.QUARRY_TEST_REDIS ?? 'redis://127.0.0.1:6379/0'

export type CacheKind = 'memory' | 'redis' | 'dummy'

let redisProbe: Promise<string | null> | undefined
/** Why Redis cannot be used here, or null. */
export function redisUnavailable(): Promise<string | null> {
  redisProbe ??= (async () => {
    const c = new Redis(REDIS_URL, {
      lazyConnect: true,
      connectTimeout: 2000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    c.on('error', () => {})
    try {
      await c.connect()
      await c.ping()
      return null
    } catch (e) {
      return `cannot reach ${REDIS_URL} (${(e as Error).message})`
    } finally {
      c.disconnect()
    }
  })()
  return redisProbe
}

/** Skip loudly locally, fail under CI=true. */
export async function requireRedis(): Promise<boolean> {
  const why = await redisUnavailable()
  if (!why) return true
  if (process.env.CI === 'true') throw new Error(`Redis is required under CI=true but unavailable: ${why}`)
  console.warn(`\n!!! SKIPPING Redis suites: ${why}\n`)
  return false
}

export const filePrefix = () => `qt${randomBytes(5).toString('hex')}`

/** A cache of `kind` with a prefix private to this test file; closed and cleared after the file. */
export function cacheFactory(kind: CacheKind): (options?: CreateCacheOptions) => BaseCache {
  const made: BaseCache[] = []
  afterAll(async () => {
    for (const c of made) {
      await c.clear().catch(() => {})
      await c.close()
    }
  })
  const prefix = filePrefix()
  const url = kind === 'memory' ? 'memory://' : kind === 'redis' ? REDIS_URL : 'dummy://'
  return (options = {}) => {
    const c = createCache(url, { prefix, ...options })
    made.push(c)
    return c
  }
}

/** `describe` once per cache backend. */
export function describeEachCache(
  title: string,
  body: (kind: CacheKind, make: (options?: CreateCacheOptions) => BaseCache) => void,
): void {
  for (const kind of ['memory', 'redis', 'dummy'] as const) {
    describe(`${title} [${kind}]`, async () => {
      if (kind === 'redis' && !(await requireRedis())) {
        describe.skip('redis unavailable', () => {})
        return
      }
      body(kind, cacheFactory(kind))
    })
  }
}

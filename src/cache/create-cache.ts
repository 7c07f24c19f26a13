import { CacheError } from '../errors.ts'
import type { BaseCache, BaseCacheOptions } from './base-cache.ts'
import { DummyCache } from './dummy/dummy-cache.ts'
import { MemoryCache, type MemoryCacheOptions } from './memory/memory-cache.ts'
import { RedisCache, type RedisCacheOptions } from './redis/redis-cache.ts'

export type CreateCacheOptions = BaseCacheOptions & MemoryCacheOptions & Omit<RedisCacheOptions, 'url'>

/**
 * A cache from a URL: `memory://?maxEntries=10000&maxBytes=67108864`, `redis://127.0.0.1:6379/0`, `dummy://`.
 * Query parameters `prefix`, `version`, `defaultTtl` (seconds, or `none`) and `timeoutMs` work on every backend;
 * options given in code win over the URL's.
 *
 * @example
 * const cache = createCache('redis://127.0.0.1:6379/0?prefix=myapp')
 */
export function createCache(url: string, options: CreateCacheOptions = {}): BaseCache {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new CacheError(
      'CACHE_URL',
      'Invalid cache URL. Use memory://?maxEntries=10000, redis://127.0.0.1:6379/0 or dummy://.',
    )
  }
  const q = u.searchParams
  const num = (name: string) => {
    const v = q.get(name)
    if (v === null) return undefined
    const n = Number(v)
    if (!Number.isFinite(n)) throw new CacheError('CACHE_URL', `Cache URL parameter '${name}' must be a number.`)
    return n
  }
  const common: BaseCacheOptions = {}
  const prefix = q.get('prefix')
  if (prefix !== null) common.prefix = prefix
  const version = num('version')
  if (version !== undefined) common.version = version
  const ttl = q.get('defaultTtl')
  if (ttl !== null) common.defaultTtl = ttl === 'none' ? null : num('defaultTtl')!
  const timeoutMs = num('timeoutMs')
  if (timeoutMs !== undefined) common.timeoutMs = timeoutMs
  switch (u.protocol) {
    case 'memory:': {
      const o: MemoryCacheOptions = { ...common }
      const maxEntries = num('maxEntries')
      if (maxEntries !== undefined) o.maxEntries = maxEntries
      const maxBytes = num('maxBytes')
      if (maxBytes !== undefined) o.maxBytes = maxBytes
      return new MemoryCache({ ...o, ...options })
    }
    case 'redis:':
    case 'rediss:': {
      for (const k of ['prefix', 'version', 'defaultTtl', 'timeoutMs']) q.delete(k)
      return new RedisCache({ ...common, ...options, url: u.toString() })
    }
    case 'dummy:':
      return new DummyCache({ ...common, ...options })
    default:
      throw new CacheError('CACHE_URL', `Unknown cache backend '${u.protocol}'. Use memory://, redis:// or dummy://.`)
  }
}

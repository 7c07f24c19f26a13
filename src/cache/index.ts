/**
 * quarry/cache — Django's cache framework, with values that keep their types and a query cache that stays
 * correct under writes.
 *
 * @example
 * import { createCache } from 'quarry/cache'
 * const cache = createCache('memory://?maxEntries=10000')
 * const n = await cache.getOrSet('answer', () => 42, { ttl: 60 })
 */
export { BaseCache, type BaseCacheOptions } from './base-cache.ts'
export type { Cache, CacheOptions, GetOptions, GetOrSetOptions, LockOptions, SetOptions, Ttl } from './cache.ts'
export type { CacheEvent } from './cache-events.ts'
export { type CachedOptions, cached } from './cached.ts'
export { type CreateCacheOptions, createCache } from './create-cache.ts'
export { DummyCache } from './dummy/dummy-cache.ts'
export { MemoryCache, type MemoryCacheOptions } from './memory/memory-cache.ts'
export { RedisCache, type RedisCacheOptions } from './redis/redis-cache.ts'

import { AsyncLocalStorage } from 'node:async_hooks'

/** What `QuerySet.cache()` asks of the query cache. */
export interface CacheHint {
  /** Seconds; `null` until a write; `undefined` the cache's default. */
  readonly ttl?: number | null | undefined
}

/**
 * The cache hint of the QuerySet being run, for every statement it runs on the way (its prefetches included):
 * set by the QuerySet around the whole operation when it has `.cache()`; read by the query cache interceptor.
 */
export const cacheScope = new AsyncLocalStorage<CacheHint>()

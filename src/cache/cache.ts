/** Seconds until expiry: `null` keeps forever, `0` (or less) does not store, `undefined` takes the cache's default. */
export type Ttl = number | null | undefined

export interface SetOptions {
  /** Seconds, as in Django. `null` forever; `0` do not store. Default: the cache's `defaultTtl` (300). */
  ttl?: Ttl
  /** Key version (default: the cache's `version`): bumping it orphans every old entry. */
  version?: number
}

export interface GetOptions {
  version?: number
}

export interface LockOptions {
  /** How long the lock lives if its holder dies (ms, default 10,000). */
  timeoutMs?: number
  /** How long the others wait for the holder's value before computing it themselves (ms, default 10,000). */
  waitMs?: number
}

export interface GetOrSetOptions extends SetOptions {
  /**
   * Across processes (Redis), let one process compute a missing value while the others wait for it. Within one
   * process `getOrSet` is always single-flight.
   */
  lock?: boolean | LockOptions
  /**
   * Refresh a hot key before it expires (XFetch): each hit recomputes in the background with a probability that
   * grows as expiry nears and with how long the value took to compute; `beta` > 1 refreshes earlier. One
   * refresher at a time per process (and per cluster with `lock`). Needs a finite ttl.
   */
  earlyRefresh?: boolean | { beta?: number }
}

/**
 * The cache API (`quarry/cache`), after Django's: string keys, ttl in seconds, values that round-trip with their
 * types (model instances, `Date`, `bigint`, `Map`, `Set`, `Uint8Array`).
 *
 * @example
 * const cache = createCache('memory://?maxEntries=10000')
 * await cache.set('greeting', 'hi', { ttl: 60 })
 * await cache.get('greeting')   // 'hi'
 */
export interface Cache {
  /** The value, or `undefined` on a miss. */
  get<T = unknown>(key: string, options?: GetOptions): Promise<T | undefined>
  set(key: string, value: unknown, options?: SetOptions): Promise<void>
  /** Store only if the key is absent; returns whether it stored. */
  add(key: string, value: unknown, options?: SetOptions): Promise<boolean>
  /** The cached value, or `compute()`'s (stored, single-flight). */
  getOrSet<T>(key: string, compute: () => T | PromiseLike<T>, options?: GetOrSetOptions): Promise<Awaited<T>>
  /** Values of the keys found (missing keys are absent). */
  getMany<T = unknown>(keys: readonly string[], options?: GetOptions): Promise<Map<string, T>>
  setMany(values: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>, options?: SetOptions): Promise<void>
  /** Whether the key exists. */
  has(key: string, options?: GetOptions): Promise<boolean>
  /** Returns whether the key existed. */
  delete(key: string, options?: GetOptions): Promise<boolean>
  deleteMany(keys: readonly string[], options?: GetOptions): Promise<void>
  /** Add `delta` to an integer value atomically; a missing key throws `CacheError` (`CACHE_MISS`), as in Django. */
  incr(key: string, delta?: number, options?: GetOptions): Promise<number>
  decr(key: string, delta?: number, options?: GetOptions): Promise<number>
  /** Give an existing key a new ttl; returns whether it existed. */
  touch(key: string, options?: SetOptions): Promise<boolean>
  /** Remove this cache's own keys (its prefix), nothing else in a shared store. */
  clear(): Promise<void>
  close(): Promise<void>
}

export interface CacheOptions {
  /** Prepended to every key (`myapp` → `myapp:1:key`), so caches can share a store. Default: `quarry`. */
  prefix?: string
  /** Default key version (1). */
  version?: number
  /** Default ttl in seconds (300, as in Django); `null` for forever. */
  defaultTtl?: number | null
}

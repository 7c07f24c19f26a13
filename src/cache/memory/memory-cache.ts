import { LRUCache } from 'lru-cache'
import { CacheError } from '../../errors.ts'
import { BaseCache, type BaseCacheOptions } from '../base-cache.ts'

export interface MemoryCacheOptions extends BaseCacheOptions {
  /** At most this many entries (default 10,000); the least recently used go first. */
  maxEntries?: number
  /** At most this many bytes of keys and values, approximately (default 64 MiB). */
  maxBytes?: number
}

/**
 * A per-process cache: an LRU bounded by entries and by bytes (lru-cache), holding values already encoded, so a
 * hit returns a fresh copy and a caller mutating its value cannot change the cache.
 *
 * @example
 * const cache = new MemoryCache({ maxEntries: 10_000, maxBytes: 64 * 2 ** 20 })
 */
export class MemoryCache extends BaseCache {
  override readonly inProcess = true
  readonly #lru: LRUCache<string, string>

  constructor(options: MemoryCacheOptions = {}) {
    super(options)
    const max = options.maxEntries ?? 10_000
    const maxSize = options.maxBytes ?? 64 * 2 ** 20
    if (!Number.isSafeInteger(max) || max < 1)
      throw new CacheError('CACHE_OPTION', 'memory cache: maxEntries must be a positive integer.')
    if (!Number.isSafeInteger(maxSize) || maxSize < 1)
      throw new CacheError('CACHE_OPTION', 'memory cache: maxBytes must be a positive integer.')
    // Strings are UTF-16 in memory: two bytes a character, plus a little per entry.
    this.#lru = new LRUCache<string, string>({
      max,
      maxSize,
      sizeCalculation: (v, k) => 2 * (v.length + k.length) + 48,
    })
  }

  /** Entries held now. */
  get size(): number {
    return this.#lru.size
  }

  async readRaw(key: string): Promise<string | undefined> {
    return this.#lru.get(key)
  }
  async readWithTtl(key: string): Promise<{ text: string; ttlMs: number | null } | undefined> {
    const text = this.#lru.get(key)
    if (text === undefined) return undefined
    const left = this.#lru.getRemainingTTL(key)
    return { text, ttlMs: Number.isFinite(left) ? left : null }
  }
  async readMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return this.readManyNow(keys)
  }
  override readManyNow(keys: readonly string[]): (string | undefined)[] {
    return keys.map((k) => this.#lru.get(k))
  }
  async writeRaw(key: string, text: string, ttlMs: number | null): Promise<void> {
    this.#set(key, text, ttlMs)
  }
  async writeMany(entries: readonly [string, string][], ttlMs: number | null): Promise<void> {
    for (const [k, v] of entries) this.#set(k, v, ttlMs)
  }
  async addRaw(key: string, text: string, ttlMs: number | null): Promise<boolean> {
    if (this.#lru.has(key)) return false
    this.#set(key, text, ttlMs)
    return true
  }
  async deleteRaw(keys: readonly string[]): Promise<number> {
    let n = 0
    for (const k of keys) if (this.#lru.delete(k)) n++
    return n
  }
  async hasRaw(key: string): Promise<boolean> {
    return this.#lru.has(key)
  }
  async incrRaw(key: string, delta: number): Promise<number | undefined> {
    const text = this.#lru.get(key)
    if (text === undefined) return undefined
    if (!/^-?\d+$/.test(text)) throw new CacheError('CACHE_NOT_INTEGER', 'cache.incr(): the value is not an integer.')
    const n = Number(text) + delta
    const left = this.#lru.getRemainingTTL(key)
    this.#set(key, String(n), Number.isFinite(left) ? Math.max(1, left) : null)
    return n
  }
  async touchRaw(key: string, ttlMs: number | null): Promise<boolean> {
    const text = this.#lru.get(key)
    if (text === undefined) return false
    this.#set(key, text, ttlMs)
    return true
  }
  async clearRaw(prefix: string): Promise<void> {
    for (const k of [...this.#lru.keys()]) if (k.startsWith(prefix)) this.#lru.delete(k)
  }
  async close(): Promise<void> {
    this.#lru.clear()
  }

  #set(key: string, text: string, ttlMs: number | null): void {
    this.#lru.set(key, text, ttlMs === null ? undefined : { ttl: ttlMs })
  }
}

import { createRequire } from 'node:module'
import type { Redis, RedisOptions } from 'ioredis'
import { CacheError } from '../../errors.ts'
import { BaseCache, type BaseCacheOptions } from '../base-cache.ts'

/**
 * ioredis, loaded by the first RedisCache rather than by importing quarry/cache: an app on the memory cache does not
 * load it and its dependencies (~4 MB of heap, and the young generation V8 then sizes by it). A CommonJS package,
 * so a synchronous require keeps `createCache()` synchronous.
 */
let RedisClient: typeof Redis | undefined
const loadRedis = (): typeof Redis =>
  (RedisClient ??= (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis)

export interface RedisCacheOptions extends BaseCacheOptions {
  /** `redis://[:password@]host:port/db` (default `redis://127.0.0.1:6379/0`). */
  url?: string
  /** Passed to ioredis as they are. */
  redis?: RedisOptions
}

// Django's redis backend also raises on incr of a missing key; Redis's INCRBY would create it, so check first.
const INCR = `if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end return nil`
const TOUCH = `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return 1`
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

/**
 * A cache shared by every process that points at the same Redis: `incr` atomic on the server, `getMany` one
 * `MGET`, `setMany` one pipeline, locks with `SET NX PX`. The client is ioredis (chosen by measurement:
 * bench/cache/redis-clients.ts). While Redis is unreachable commands fail fast instead of queueing, so the
 * query cache and `cachePage` fall back to the database at once.
 *
 * @example
 * const cache = new RedisCache({ url: 'redis://127.0.0.1:6379/0', prefix: 'myapp' })
 */
export class RedisCache extends BaseCache {
  override readonly sharedLocks = true
  readonly client: Redis

  constructor(options: RedisCacheOptions = {}) {
    super(options)
    const url = options.url ?? 'redis://127.0.0.1:6379/0'
    try {
      new URL(url)
    } catch {
      throw new CacheError('CACHE_URL', 'Invalid Redis URL. Use redis://host:6379/0.')
    }
    this.client = new (loadRedis())(url, {
      connectTimeout: this.timeoutMs,
      commandTimeout: this.timeoutMs,
      maxRetriesPerRequest: 1,
      // Queue commands only while the first connection opens; once lost, fail them at once.
      enableOfflineQueue: true,
      retryStrategy: (n) => Math.min(50 * 2 ** n, 2000),
      ...options.redis,
    })
    let reported = false
    // ioredis emits 'error' on every failed reconnect; report the first of each outage, not every attempt.
    this.client.on('error', (e: Error) => {
      if (!reported) this.report('connect', e)
      reported = true
    })
    this.client.on('ready', () => {
      reported = false
      // After the first connection, a lost connection should fail commands rather than queue them unbounded.
      ;(this.client.options as RedisOptions).enableOfflineQueue = false
    })
    this.client.defineCommand('quarryIncr', { numberOfKeys: 1, lua: INCR })
    this.client.defineCommand('quarryTouch', { numberOfKeys: 1, lua: TOUCH })
    this.client.defineCommand('quarryUnlock', { numberOfKeys: 1, lua: UNLOCK })
  }

  async readRaw(key: string): Promise<string | undefined> {
    return (await this.client.get(key)) ?? undefined
  }
  async readWithTtl(key: string): Promise<{ text: string; ttlMs: number | null } | undefined> {
    const r = await this.client.multi().get(key).pttl(key).exec()
    const text = r?.[0]?.[1] as string | null
    if (text === null || text === undefined) return undefined
    const ttl = r?.[1]?.[1] as number
    return { text, ttlMs: ttl >= 0 ? ttl : null }
  }
  async readMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return (await this.client.mget(...keys)).map((t) => t ?? undefined)
  }
  async writeRaw(key: string, text: string, ttlMs: number | null): Promise<void> {
    if (ttlMs === null) await this.client.set(key, text)
    else await this.client.set(key, text, 'PX', ttlMs)
  }
  async writeMany(entries: readonly [string, string][], ttlMs: number | null): Promise<void> {
    const p = this.client.pipeline()
    for (const [k, v] of entries) ttlMs === null ? p.set(k, v) : p.set(k, v, 'PX', ttlMs)
    const results = await p.exec()
    const failed = results?.find(([e]) => e)
    if (failed) throw failed[0]
  }
  async addRaw(key: string, text: string, ttlMs: number | null): Promise<boolean> {
    const r =
      ttlMs === null ? await this.client.set(key, text, 'NX') : await this.client.set(key, text, 'PX', ttlMs, 'NX')
    return r === 'OK'
  }
  async deleteRaw(keys: readonly string[]): Promise<number> {
    return keys.length ? this.client.unlink(...keys) : 0
  }
  async hasRaw(key: string): Promise<boolean> {
    return (await this.client.exists(key)) === 1
  }
  async incrRaw(key: string, delta: number): Promise<number | undefined> {
    try {
      const r = await (this.client as unknown as QuarryCommands).quarryIncr(key, delta)
      return r === null ? undefined : Number(r)
    } catch (e) {
      if (/not an integer/.test((e as Error).message))
        throw new CacheError('CACHE_NOT_INTEGER', 'cache.incr(): the value is not an integer.')
      throw e
    }
  }
  async touchRaw(key: string, ttlMs: number | null): Promise<boolean> {
    return (await (this.client as unknown as QuarryCommands).quarryTouch(key, ttlMs === null ? '' : ttlMs)) === 1
  }
  async clearRaw(prefix: string): Promise<void> {
    // SCAN, never KEYS: other users of this Redis keep being served while a large cache clears.
    const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`
    let cursor = '0'
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', match, 'COUNT', 1000)
      if (keys.length) await this.client.unlink(...keys)
      cursor = next
    } while (cursor !== '0')
  }
  override async lockRaw(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(key, token, 'PX', ttlMs, 'NX')) === 'OK'
  }
  override async unlockRaw(key: string, token: string): Promise<void> {
    await (this.client as unknown as QuarryCommands).quarryUnlock(key, token)
  }
  async close(): Promise<void> {
    try {
      await this.bounded('close', this.client.quit())
    } catch {
      this.client.disconnect()
    }
  }
}

interface QuarryCommands {
  quarryIncr(key: string, delta: number): Promise<number | null>
  quarryTouch(key: string, ttlMs: number | string): Promise<number>
  quarryUnlock(key: string, token: string): Promise<number>
}

import { CacheError } from '../errors.ts'
import type { Cache, CacheOptions, GetOptions, GetOrSetOptions, LockOptions, SetOptions, Ttl } from './cache.ts'
import { publishCacheEvent } from './cache-events.ts'
import { decode, encode, ModelRegistry } from './codec.ts'

const MAX_KEY = 250
// Memcached's rule, which Django warns about: no control characters or whitespace, so keys work on every backend.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const BAD_KEY = /[\u0000-\u0020\u007f]/

export interface BaseCacheOptions extends CacheOptions {
  /** Bound on each store operation (ms, default 1,000): a slow store then counts as down. */
  timeoutMs?: number
}

/**
 * The policy every backend shares (Django's `BaseCache`): key building and validation, ttl rules, the codec,
 * single-flight `getOrSet` with optional lock and early refresh, and degrading to a miss when the store is down.
 * Backends implement only the primitives, on full keys and already-encoded strings.
 */
export abstract class BaseCache implements Cache {
  readonly prefix: string
  readonly version: number
  readonly defaultTtl: number | null
  readonly timeoutMs: number
  /** Models for decoding instances (see `ModelRegistry`). */
  readonly models = new ModelRegistry()
  readonly #inflight = new Map<string, Promise<{ text: string | undefined }>>()
  readonly #refreshing = new Set<string>()

  constructor(options: BaseCacheOptions = {}) {
    const prefix = options.prefix ?? 'quarry'
    if (typeof prefix !== 'string' || BAD_KEY.test(prefix) || prefix.includes('*'))
      throw new CacheError('CACHE_OPTION', 'The cache prefix must be a string without whitespace or `*`.')
    this.prefix = prefix
    this.version = checkInt(options.version ?? 1, 'version')
    const ttl = options.defaultTtl === undefined ? 300 : options.defaultTtl
    if (ttl !== null && !(typeof ttl === 'number' && ttl >= 0))
      throw new CacheError('CACHE_OPTION', 'defaultTtl must be seconds (a number ≥ 0) or null for forever.')
    this.defaultTtl = ttl
    this.timeoutMs = checkInt(options.timeoutMs ?? 1000, 'timeoutMs')
  }

  // ---- primitives (full keys, encoded strings, ttl in ms or null for forever) ---------------------------------

  abstract readRaw(key: string): Promise<string | undefined>
  /** The value and the ms it has left (null: no expiry). */
  abstract readWithTtl(key: string): Promise<{ text: string; ttlMs: number | null } | undefined>
  abstract readMany(keys: readonly string[]): Promise<(string | undefined)[]>
  abstract writeRaw(key: string, text: string, ttlMs: number | null): Promise<void>
  abstract writeMany(entries: readonly [string, string][], ttlMs: number | null): Promise<void>
  /** Store only if absent. */
  abstract addRaw(key: string, text: string, ttlMs: number | null): Promise<boolean>
  abstract deleteRaw(keys: readonly string[]): Promise<number>
  abstract hasRaw(key: string): Promise<boolean>
  /** Add to an integer value; undefined when the key is missing. */
  abstract incrRaw(key: string, delta: number): Promise<number | undefined>
  abstract touchRaw(key: string, ttlMs: number | null): Promise<boolean>
  /** Delete every key starting with `prefix`. */
  abstract clearRaw(prefix: string): Promise<void>
  abstract close(): Promise<void>
  /** Whether locks mean anything across processes (Redis) or only within this one. Default false. */
  readonly sharedLocks: boolean = false
  /** Whether values are kept at all (false only for the dummy cache). Default true. */
  readonly storesValues: boolean = true

  /** Take a lock for `ttlMs`; `token` identifies the holder. */
  lockRaw(key: string, token: string, ttlMs: number): Promise<boolean> {
    return this.addRaw(key, JSON.stringify(token), ttlMs)
  }
  async unlockRaw(key: string, token: string): Promise<void> {
    if ((await this.readRaw(key)) === JSON.stringify(token)) await this.deleteRaw([key])
  }

  // ---- policy ------------------------------------------------------------------------------------------------

  /** The full key: `prefix:version:key`, after validation. */
  key(key: string, version?: number): string {
    if (typeof key !== 'string' || key.length === 0)
      throw new CacheError('INVALID_CACHE_KEY', 'A cache key must be a non-empty string.')
    const full = `${this.prefix}:${version ?? this.version}:${key}`
    if (full.length > MAX_KEY)
      throw new CacheError(
        'INVALID_CACHE_KEY',
        `Cache key too long (${full.length} characters with prefix and version, at most ${MAX_KEY}). Hash long parts, e.g. with createHash('sha1').`,
      )
    if (BAD_KEY.test(key))
      throw new CacheError(
        'INVALID_CACHE_KEY',
        'Cache keys may not contain whitespace or control characters (they would not work on every backend). Replace them, e.g. with encodeURIComponent().',
      )
    return full
  }

  /** ttl in seconds → ms; null forever; 0 (or less) means do not store. */
  ttlMs(ttl: Ttl): number | null | 0 {
    const t = ttl === undefined ? this.defaultTtl : ttl
    if (t === null) return null
    if (typeof t !== 'number' || Number.isNaN(t))
      throw new CacheError('CACHE_OPTION', 'ttl is in seconds: a number, or null for forever.')
    return t <= 0 ? 0 : Math.ceil(t * 1000)
  }

  encode(value: unknown): string {
    return encode(value, this.models)
  }
  decode(text: string): unknown {
    return decode(unwrap(text), this.models)
  }

  /**
   * Whether the store lives in this process and answers at once (memory, dummy): its operations need no timer.
   * Default false.
   */
  readonly inProcess: boolean = false

  /**
   * For in-process stores only: `readMany` answered synchronously, with no promise. `cachePage` answers hits from a
   * memory cache through it without a promise hop per read.
   */
  readManyNow?(keys: readonly string[]): (string | undefined)[]

  /** Run a store operation within `timeoutMs`. */
  bounded<T>(op: string, p: Promise<T>): Promise<T> {
    if (this.inProcess) return p
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new CacheError('CACHE_TIMEOUT', `The cache did not answer ${op} within ${this.timeoutMs} ms.`)),
        this.timeoutMs,
      )
    })
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
  }

  /** Report a failed operation on the diagnostics channel. */
  report(op: string, error: unknown): void {
    const e = error instanceof Error ? error : new CacheError('CACHE_UNAVAILABLE', String(error))
    publishCacheEvent({
      op,
      outcome: (e as CacheError).code === 'CACHE_TIMEOUT' ? 'timeout' : 'error',
      message: e.message,
      error: e,
      cache: this.prefix,
    })
  }

  /** A store failure the caller must know about (their operation's result depends on it). */
  #fail(op: string, e: unknown): never {
    if (e instanceof CacheError && e.code !== 'CACHE_TIMEOUT') throw e
    this.report(op, e)
    throw new CacheError('CACHE_UNAVAILABLE', `cache.${op}() failed: the cache store is unavailable.`, { cause: e })
  }

  // ---- the API -----------------------------------------------------------------------------------------------

  async get<T = unknown>(key: string, options: GetOptions = {}): Promise<T | undefined> {
    const k = this.key(key, options.version)
    let text: string | undefined
    try {
      text = await this.bounded('get', this.readRaw(k))
    } catch (e) {
      this.report('get', e)
      return undefined
    }
    return text === undefined ? undefined : (this.decode(text) as T)
  }

  async set(key: string, value: unknown, options: SetOptions = {}): Promise<void> {
    const k = this.key(key, options.version)
    const ttl = this.ttlMs(options.ttl)
    const text = this.encode(value)
    try {
      if (ttl === 0) await this.bounded('set', this.deleteRaw([k]))
      else await this.bounded('set', this.writeRaw(k, text, ttl))
    } catch (e) {
      this.report('set', e)
    }
  }

  async add(key: string, value: unknown, options: SetOptions = {}): Promise<boolean> {
    const k = this.key(key, options.version)
    const ttl = this.ttlMs(options.ttl)
    const text = this.encode(value)
    if (ttl === 0) return false
    try {
      return await this.bounded('add', this.addRaw(k, text, ttl))
    } catch (e) {
      this.#fail('add', e)
    }
  }

  async getMany<T = unknown>(keys: readonly string[], options: GetOptions = {}): Promise<Map<string, T>> {
    const out = new Map<string, T>()
    if (keys.length === 0) return out
    const full = keys.map((k) => this.key(k, options.version))
    let texts: (string | undefined)[]
    try {
      texts = await this.bounded('getMany', this.readMany(full))
    } catch (e) {
      this.report('getMany', e)
      return out
    }
    texts.forEach((t, i) => {
      if (t !== undefined) out.set(keys[i]!, this.decode(t) as T)
    })
    return out
  }

  async setMany(
    values: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>,
    options: SetOptions = {},
  ): Promise<void> {
    const pairs = values instanceof Map ? [...values] : Object.entries(values)
    const ttl = this.ttlMs(options.ttl)
    const entries = pairs.map(([k, v]) => [this.key(k, options.version), this.encode(v)] as [string, string])
    if (entries.length === 0) return
    try {
      if (ttl === 0) await this.bounded('setMany', this.deleteRaw(entries.map((e) => e[0])))
      else await this.bounded('setMany', this.writeMany(entries, ttl))
    } catch (e) {
      this.report('setMany', e)
    }
  }

  async has(key: string, options: GetOptions = {}): Promise<boolean> {
    const k = this.key(key, options.version)
    try {
      return await this.bounded('has', this.hasRaw(k))
    } catch (e) {
      this.report('has', e)
      return false
    }
  }

  async delete(key: string, options: GetOptions = {}): Promise<boolean> {
    const k = this.key(key, options.version)
    try {
      return (await this.bounded('delete', this.deleteRaw([k]))) > 0
    } catch (e) {
      this.#fail('delete', e)
    }
  }

  async deleteMany(keys: readonly string[], options: GetOptions = {}): Promise<void> {
    const full = keys.map((k) => this.key(k, options.version))
    if (full.length === 0) return
    try {
      await this.bounded('deleteMany', this.deleteRaw(full))
    } catch (e) {
      this.#fail('deleteMany', e)
    }
  }

  async incr(key: string, delta = 1, options: GetOptions = {}): Promise<number> {
    if (!Number.isSafeInteger(delta)) throw new CacheError('CACHE_OPTION', 'incr/decr take an integer delta.')
    const k = this.key(key, options.version)
    let n: number | undefined
    try {
      n = await this.bounded('incr', this.incrRaw(k, delta))
    } catch (e) {
      this.#fail('incr', e)
    }
    if (n === undefined)
      throw new CacheError(
        'CACHE_MISS',
        `cache.incr(): the key '${key}' is not in the cache. Set it first (add(key, 0)).`,
      )
    return n
  }

  decr(key: string, delta = 1, options: GetOptions = {}): Promise<number> {
    return this.incr(key, -delta, options)
  }

  async touch(key: string, options: SetOptions = {}): Promise<boolean> {
    const k = this.key(key, options.version)
    const ttl = this.ttlMs(options.ttl)
    try {
      if (ttl === 0) return (await this.bounded('touch', this.deleteRaw([k]))) > 0
      return await this.bounded('touch', this.touchRaw(k, ttl))
    } catch (e) {
      this.#fail('touch', e)
    }
  }

  async clear(): Promise<void> {
    try {
      await this.bounded('clear', this.clearRaw(`${this.prefix}:`))
    } catch (e) {
      this.#fail('clear', e)
    }
  }

  /**
   * The cached value, or `compute()`'s, stored with `ttl`. Concurrent calls for one key in this process share one
   * computation (each gets its own decoded copy); `lock` extends that across processes; `earlyRefresh` recomputes
   * a hot key in the background before it expires.
   *
   * @example
   * const posts = await cache.getOrSet(`user_posts_${id}`, () => db.Post.filter({ author: id }), { ttl: 3600 })
   */
  async getOrSet<T>(
    key: string,
    compute: () => T | PromiseLike<T>,
    options: GetOrSetOptions = {},
  ): Promise<Awaited<T>> {
    const k = this.key(key, options.version)
    const ttl = this.ttlMs(options.ttl)
    const early = options.earlyRefresh
    let found: { text: string; ttlMs: number | null } | undefined
    try {
      found = early
        ? await this.bounded('get', this.readWithTtl(k))
        : await this.bounded('get', this.readRaw(k)).then((text) =>
            text === undefined ? undefined : { text, ttlMs: null },
          )
    } catch (e) {
      this.report('get', e)
    }
    if (found !== undefined) {
      if (early && found.ttlMs !== null && ttl !== 0) {
        const beta = typeof early === 'object' ? (early.beta ?? 1) : 1
        // XFetch (Vattani et al.): refresh when delta·beta·(−ln U) reaches the time left. No clocks compared:
        // the time left comes from the store itself.
        if (deltaOf(found.text) * beta * -Math.log(Math.random()) >= found.ttlMs)
          this.#refresh(k, compute, ttl, options)
      }
      return this.decode(found.text) as Awaited<T>
    }
    let mine: { value: Awaited<T> } | undefined
    let flight = this.#inflight.get(k)
    if (!flight) {
      flight = this.#fill(k, compute, ttl, options, (v) => {
        mine = { value: v as Awaited<T> }
      }).finally(() => this.#inflight.delete(k))
      this.#inflight.set(k, flight)
    }
    const { text } = await flight
    if (mine) return mine.value
    // Waiters decode their own copy, so no two callers share a mutable value.
    return this.decode(text!) as Awaited<T>
  }

  async #fill<T>(
    k: string,
    compute: () => T | PromiseLike<T>,
    ttl: number | null | 0,
    options: GetOrSetOptions,
    own: (v: unknown) => void,
  ): Promise<{ text: string | undefined }> {
    const lock = options.lock ? lockOptions(options.lock) : undefined
    let token: string | undefined
    if (lock && this.sharedLocks) {
      token = `${process.pid}:${Math.random().toString(36).slice(2)}`
      const text = await this.#awaitLock(k, token, lock)
      if (text !== undefined) return { text }
    }
    try {
      const started = performance.now()
      const value = await compute()
      own(value)
      const text = wrap(this.encode(value), performance.now() - started)
      if (ttl !== 0) await this.bounded('set', this.writeRaw(k, text, ttl)).catch((e) => this.report('set', e))
      return { text }
    } finally {
      if (token) await this.bounded('lock', this.unlockRaw(`${k}:lock`, token)).catch((e) => this.report('lock', e))
    }
  }

  /** Take the lock, or wait for its holder's value; undefined when we hold the lock or gave up waiting. */
  async #awaitLock(k: string, token: string, lock: Required<LockOptions>): Promise<string | undefined> {
    const deadline = performance.now() + lock.waitMs
    let pause = 5
    for (;;) {
      try {
        const mine = await this.bounded('lock', this.lockRaw(`${k}:lock`, token, lock.timeoutMs))
        // Read after taking the lock too: the previous holder may have stored the value and let go meanwhile.
        const text = await this.bounded('get', this.readRaw(k))
        if (text !== undefined) {
          if (mine) await this.bounded('lock', this.unlockRaw(`${k}:lock`, token))
          return text
        }
        if (mine) return undefined
      } catch (e) {
        this.report('lock', e)
        return undefined
      }
      if (performance.now() >= deadline) return undefined
      await new Promise((r) => setTimeout(r, pause))
      pause = Math.min(pause * 2, 100)
    }
  }

  #refresh<T>(k: string, compute: () => T | PromiseLike<T>, ttl: number | null, options: GetOrSetOptions): void {
    if (this.#refreshing.has(k) || this.#inflight.has(k)) return
    this.#refreshing.add(k)
    const run = async () => {
      let token: string | undefined
      const lock = options.lock ? lockOptions(options.lock) : undefined
      if (lock && this.sharedLocks) {
        token = `${process.pid}:${Math.random().toString(36).slice(2)}`
        // One refresher per window across processes: whoever does not get the lock keeps serving the old value.
        if (!(await this.bounded('lock', this.lockRaw(`${k}:lock`, token, lock.timeoutMs)))) return
      }
      try {
        const started = performance.now()
        const value = await compute()
        await this.bounded('set', this.writeRaw(k, wrap(this.encode(value), performance.now() - started), ttl))
      } finally {
        if (token) await this.bounded('lock', this.unlockRaw(`${k}:lock`, token))
      }
    }
    run()
      .catch((e) => this.report('refresh', e))
      .finally(() => this.#refreshing.delete(k))
  }
}

function checkInt(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new CacheError('CACHE_OPTION', `${what} must be a non-negative integer.`)
  return n
}

function lockOptions(o: boolean | LockOptions): Required<LockOptions> {
  const x = typeof o === 'object' ? o : {}
  return { timeoutMs: x.timeoutMs ?? 10_000, waitMs: x.waitMs ?? 10_000 }
}

// getOrSet stores how long the value took to compute, for XFetch: 'X<ms>;<encoded>'.
function wrap(text: string, deltaMs: number): string {
  return `X${Math.max(1, Math.round(deltaMs))};${text}`
}
function unwrap(text: string): string {
  return text.charCodeAt(0) === 88 /* X */ ? text.slice(text.indexOf(';') + 1) : text
}
function deltaOf(text: string): number {
  return text.charCodeAt(0) === 88 ? Number(text.slice(1, text.indexOf(';'))) : 1
}

import type { BaseCache } from './base-cache.ts'
import { publishCacheEvent } from './cache-events.ts'

/** Every entry also depends on this one: raw writes on tables quarry cannot name, and DDL, bump it. */
export const ALL_TABLES = '*'

// A generation that went missing (evicted, Redis restarted) starts again at a random point, never at 0: an entry
// stored under the old number must not match the new one by accident. No clocks are involved.
const fresh = () => String(Math.floor(Math.random() * 2 ** 50))

/**
 * Per-table generation numbers kept in the cache itself, so every process sharing the cache sees a write at once.
 * A cached result records the generations it was computed under and is served only while they are unchanged;
 * a write increments the generations of its tables. Used by the query cache and by `cachePage({ dependsOn })`.
 */
export class Generations {
  readonly cache: BaseCache
  /** Tables whose increment could not be written: reads of them bypass the cache until it is. */
  readonly #pending = new Set<string>()
  #retry: NodeJS.Timeout | undefined

  constructor(cache: BaseCache) {
    this.cache = cache
  }

  key(table: string): string {
    return `${this.cache.prefix}:gen:${table}`
  }

  /** Whether any of these tables has an invalidation not yet written (bypass the cache for them). */
  blocked(tables: readonly string[]): boolean {
    if (this.#pending.size === 0) return false
    if (this.#pending.has(ALL_TABLES)) return true
    for (const t of tables) if (this.#pending.has(t)) return true
    return false
  }

  /** Turn the generation texts read with an entry into the current generations, creating missing ones. */
  async complete(tables: readonly string[], texts: (string | undefined)[]): Promise<string[]> {
    const out: string[] = []
    for (let i = 0; i < tables.length; i++) {
      let t = texts[i]
      if (t === undefined) {
        const k = this.key(tables[i]!)
        const mine = fresh()
        t = (await this.cache.addRaw(k, mine, null)) ? mine : ((await this.cache.readRaw(k)) ?? mine)
      }
      out.push(t)
    }
    return out
  }

  /** The current generations of `tables` (in order). */
  async read(tables: readonly string[]): Promise<string[]> {
    const texts = await this.cache.bounded('read generations', this.cache.readMany(tables.map((t) => this.key(t))))
    return this.cache.bounded('read generations', this.complete(tables, texts))
  }

  /**
   * Increment the generations of `tables`. Never throws: a failure marks the tables pending (bypassed) and
   * retries in the background.
   */
  async bump(tables: readonly string[]): Promise<void> {
    if (tables.length === 0) return
    try {
      await this.cache.bounded('invalidate', this.#bumpAll(tables))
    } catch (e) {
      this.cache.report('invalidate', e)
      for (const t of tables) this.#pending.add(t)
      this.#scheduleRetry()
    }
  }

  async #bumpAll(tables: readonly string[]): Promise<void> {
    await Promise.all(
      [...new Set(tables)].map(async (t) => {
        const k = this.key(t)
        if ((await this.cache.incrRaw(k, 1)) !== undefined) return
        if (await this.cache.addRaw(k, fresh(), null)) return
        await this.cache.incrRaw(k, 1)
      }),
    )
  }

  /** Try to write pending invalidations now; true when none are left. */
  async flush(): Promise<boolean> {
    if (this.#pending.size === 0) return true
    const tables = [...this.#pending]
    try {
      await this.cache.bounded('invalidate', this.#bumpAll(tables))
    } catch {
      return false
    }
    for (const t of tables) this.#pending.delete(t)
    publishCacheEvent({
      op: 'invalidate',
      outcome: 'recovered',
      message: `Wrote the pending invalidations of ${tables.length} table(s); they are cached again.`,
      cache: this.cache.prefix,
    })
    return true
  }

  #scheduleRetry(): void {
    if (this.#retry) return
    this.#retry = setTimeout(async () => {
      this.#retry = undefined
      if (!(await this.flush())) this.#scheduleRetry()
    }, 500)
    this.#retry.unref()
  }

  /** Stop retrying (on close). */
  stop(): void {
    clearTimeout(this.#retry)
    this.#retry = undefined
  }
}

import { BaseCache } from '../base-cache.ts'

/**
 * A cache that stores nothing (Django's DummyCache): every read misses, `getOrSet` always computes. For
 * development and tests where caching would get in the way, with the same key checks as the real ones.
 */
export class DummyCache extends BaseCache {
  override readonly inProcess = true
  override readonly storesValues = false
  async readRaw(): Promise<string | undefined> {
    return undefined
  }
  async readWithTtl(): Promise<undefined> {
    return undefined
  }
  async readMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return keys.map(() => undefined)
  }
  async writeRaw(): Promise<void> {}
  async writeMany(): Promise<void> {}
  async addRaw(): Promise<boolean> {
    return true
  }
  async deleteRaw(): Promise<number> {
    return 0
  }
  async hasRaw(): Promise<boolean> {
    return false
  }
  async incrRaw(): Promise<number | undefined> {
    return undefined
  }
  async touchRaw(): Promise<boolean> {
    return false
  }
  async clearRaw(): Promise<void> {}
  async close(): Promise<void> {}
}

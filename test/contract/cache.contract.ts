import { setTimeout as sleep } from 'node:timers/promises'
import { expect, it } from 'vitest'
import { CacheError } from '../../src/errors.ts'
import { describeEachCache } from '../support/caches.ts'

// One suite, unchanged for every cache backend. The dummy cache stores nothing: expectations that depend on a
// value being kept read the `storesValues` capability flag rather than the backend's name.
describeEachCache('cache contract', (_kind, make) => {
  const cache = make()
  const kept = cache.storesValues
  const expectKept = async (key: string, value: unknown) =>
    expect(await cache.get(key)).toEqual(kept ? value : undefined)

  it('set then get; a miss is undefined', async () => {
    await cache.set('a', { n: 1, s: 'x', list: [1, 'two', null] })
    await expectKept('a', { n: 1, s: 'x', list: [1, 'two', null] })
    expect(await cache.get('never-set')).toBeUndefined()
  })

  it('values keep their types: Date, bigint, Map, Set, Uint8Array, Buffer, undefined, NaN, -0', async () => {
    const value = {
      when: new Date('2026-01-02T03:04:05.678Z'),
      big: 2n ** 70n,
      map: new Map<unknown, unknown>([
        ['k', new Set([1, 2])],
        [3, new Date(0)],
      ]),
      bytes: new Uint8Array([0, 1, 254, 255]),
      buf: Buffer.from('hé'),
      holes: [undefined, Number.NaN, -0, Number.POSITIVE_INFINITY],
      '~q': 'a key that looks like the codec tag',
      digits: '42',
      float: 1.5,
    }
    await cache.set('typed', value)
    const got = (await cache.get<typeof value>('typed'))!
    if (!kept) return expect(got).toBeUndefined()
    expect(got).toEqual(value)
    expect(got.when).toBeInstanceOf(Date)
    expect(typeof got.big).toBe('bigint')
    expect(got.map.get('k')).toBeInstanceOf(Set)
    expect(got.bytes).toBeInstanceOf(Uint8Array)
    expect(Buffer.isBuffer(got.bytes)).toBe(false)
    expect(Buffer.isBuffer(got.buf)).toBe(true)
    expect(Object.is(got.holes[2], -0)).toBe(true)
    expect(got.digits).toBe('42')
    expect(await cache.get('int')).toBeUndefined()
    await cache.set('int', 42)
    expect(await cache.get('int')).toBe(42)
  })

  it('a value read back is a copy: mutating it does not change the cache', async () => {
    await cache.set('mut', { list: [1] })
    const got = await cache.get<{ list: number[] }>('mut')
    got?.list.push(2)
    await expectKept('mut', { list: [1] })
  })

  it('ttl is in seconds; null keeps forever; 0 does not store (and drops the old value)', async () => {
    await cache.set('short', 1, { ttl: 0.3 })
    await cache.set('forever', 2, { ttl: null })
    await expectKept('short', 1)
    await sleep(700)
    expect(await cache.get('short')).toBeUndefined()
    await expectKept('forever', 2)
    expect((await cache.readWithTtl(cache.key('forever')))?.ttlMs ?? null).toBeNull()
    await cache.set('zero', 3)
    await cache.set('zero', 4, { ttl: 0 })
    expect(await cache.get('zero')).toBeUndefined()
  })

  it('the default ttl applies when none is given', async () => {
    const c = make({ defaultTtl: 0.3 })
    await c.set('d', 1)
    expect(await c.get('d')).toBe(kept ? 1 : undefined)
    await sleep(700)
    expect(await c.get('d')).toBeUndefined()
  })

  it('add stores only when the key is absent', async () => {
    expect(await cache.add('add', 'first')).toBe(true)
    expect(await cache.add('add', 'second')).toBe(!kept)
    await expectKept('add', 'first')
    expect(await cache.add('add-zero', 1, { ttl: 0 })).toBe(false)
  })

  it('getMany returns the keys found; setMany stores them all', async () => {
    await cache.setMany({ m1: 1, m2: new Date(5) })
    await cache.setMany(new Map([['m3', [3]]]))
    const got = await cache.getMany(['m1', 'm2', 'm3', 'missing'])
    expect(got).toEqual(
      kept
        ? new Map<string, unknown>([
            ['m1', 1],
            ['m2', new Date(5)],
            ['m3', [3]],
          ])
        : new Map(),
    )
    expect(await cache.getMany([])).toEqual(new Map())
  })

  it('incr and decr are atomic; a missing key or a non-integer is an error', async () => {
    await cache.set('hits', 0)
    if (kept) {
      await Promise.all(Array.from({ length: 50 }, () => cache.incr('hits')))
      expect(await cache.get('hits')).toBe(50)
      expect(await cache.decr('hits', 8)).toBe(42)
      await cache.set('text', 'x')
      await expect(cache.incr('text')).rejects.toMatchObject({ code: 'CACHE_NOT_INTEGER' })
    }
    await expect(cache.incr('no-such-counter')).rejects.toMatchObject({ code: 'CACHE_MISS' })
    await expect(cache.incr('hits', 1.5)).rejects.toBeInstanceOf(CacheError)
  })

  it('incr keeps the ttl of the key', async () => {
    await cache.set('ttl-count', 1, { ttl: 0.4 })
    if (kept) expect(await cache.incr('ttl-count')).toBe(2)
    await sleep(800)
    expect(await cache.get('ttl-count')).toBeUndefined()
  })

  it('touch gives an existing key a new ttl', async () => {
    await cache.set('t', 'v', { ttl: 0.3 })
    expect(await cache.touch('t', { ttl: 60 })).toBe(kept)
    await sleep(600)
    await expectKept('t', 'v')
    expect(await cache.touch('absent', { ttl: 60 })).toBe(false)
  })

  it('has, delete and deleteMany', async () => {
    await cache.setMany({ d1: 1, d2: 2, d3: 3 })
    expect(await cache.has('d1')).toBe(kept)
    expect(await cache.delete('d1')).toBe(kept)
    expect(await cache.delete('d1')).toBe(false)
    expect(await cache.has('d1')).toBe(false)
    await cache.deleteMany(['d2', 'd3'])
    expect(await cache.getMany(['d2', 'd3'])).toEqual(new Map())
  })

  it('versions keep entries apart', async () => {
    await cache.set('ver', 'one', { version: 1 })
    await cache.set('ver', 'two', { version: 2 })
    await expectKept('ver', 'one')
    expect(await cache.get('ver', { version: 2 })).toBe(kept ? 'two' : undefined)
  })

  it('clear removes this cache’s keys and nothing else in the store', async () => {
    const c = make()
    await c.set('mine', 1)
    const foreign = `not-${c.prefix}:1:theirs`
    await c.writeRaw(foreign, '7', null)
    await c.clear()
    expect(await c.get('mine')).toBeUndefined()
    expect(await c.readRaw(foreign)).toBe(kept ? '7' : undefined)
    await c.deleteRaw([foreign])
  })

  it('bad keys are refused with a clear error', async () => {
    await expect(cache.get('')).rejects.toMatchObject({ code: 'INVALID_CACHE_KEY' })
    await expect(cache.set('has space', 1)).rejects.toThrow(/whitespace/)
    await expect(cache.set('x'.repeat(300), 1)).rejects.toThrow(/too long/)
    await expect(cache.get(5 as never)).rejects.toBeInstanceOf(CacheError)
    await expect(cache.set('fn', () => 1)).rejects.toMatchObject({ code: 'CACHE_ENCODE' })
    await expect(cache.set('cls', new (class Widget {})())).rejects.toThrow(/Widget/)
    expect(() => make({ prefix: 'a b' })).toThrow(CacheError)
  })

  it('getOrSet computes once for 50 concurrent callers, each getting its own copy', async () => {
    let calls = 0
    const compute = async () => {
      calls++
      await sleep(50)
      return { items: [1, 2, 3], at: new Date(7) }
    }
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.getOrSet('flight', compute, { ttl: 60 })))
    expect(calls).toBe(1)
    for (const r of results) expect(r).toEqual({ items: [1, 2, 3], at: new Date(7) })
    expect(new Set(results).size).toBe(50)
    const again = await cache.getOrSet('flight', compute, { ttl: 60 })
    expect(calls).toBe(kept ? 1 : 2)
    expect(again).toEqual(results[0])
  })

  it('getOrSet passes the error of compute to every waiter and stores nothing', async () => {
    const boom = () => Promise.reject(new Error('boom'))
    const all = await Promise.allSettled([cache.getOrSet('err', boom), cache.getOrSet('err', boom)])
    expect(all.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect(await cache.get('err')).toBeUndefined()
  })

  it('getOrSet with lock: across caches sharing a store, one computes while the others wait', async () => {
    // Two cache objects on one store stand for two processes (the query-cache tests use real processes).
    const a = make()
    const b = make({ prefix: a.prefix })
    let calls = 0
    const compute = async () => {
      calls++
      await sleep(150)
      return 'v'
    }
    const [x, y] = await Promise.all([
      a.getOrSet('locked', compute, { ttl: 60, lock: true }),
      b.getOrSet('locked', compute, { ttl: 60, lock: { timeoutMs: 5000, waitMs: 5000 } }),
    ])
    expect([x, y]).toEqual(['v', 'v'])
    // Only a store shared between the two objects (Redis) can make the second one wait.
    expect(calls).toBe(a.sharedLocks ? 1 : 2)
    expect(await a.readRaw(a.key('locked:lock'))).toBeUndefined()
  })

  it('earlyRefresh recomputes a hot key in the background before it expires', async () => {
    let version = 0
    const compute = async () => {
      await sleep(30)
      return ++version
    }
    // beta makes the refresh certain once the key exists: delta (30 ms) × 1e6 exceeds any time left.
    const options = { ttl: 30, earlyRefresh: { beta: 1e6 } }
    expect(await cache.getOrSet('hot', compute, options)).toBe(1)
    const second = await cache.getOrSet('hot', compute, options)
    if (!kept) return expect(second).toBe(2)
    expect(second).toBe(1) // served from the cache at once, while the refresh runs
    await expect.poll(() => cache.get('hot'), { timeout: 5000 }).toBe(2)
    // A small beta far from expiry never refreshes.
    const calm = { ttl: 3600, earlyRefresh: { beta: 1e-9 } }
    const before = version
    await cache.getOrSet('calm', compute, calm)
    for (let i = 0; i < 20; i++) await cache.getOrSet('calm', compute, calm)
    await sleep(100)
    expect(version).toBe(before + 1)
  })
})

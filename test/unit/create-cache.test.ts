import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { cached, createCache, DummyCache, MemoryCache, RedisCache } from '../../src/cache/index.ts'
import { CacheError } from '../../src/errors.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))

it('createCache reads the backend and the options from the URL; code options win', async () => {
  const m = createCache('memory://?maxEntries=2&prefix=app&version=3&defaultTtl=none&timeoutMs=50')
  expect(m).toBeInstanceOf(MemoryCache)
  expect([m.prefix, m.version, m.defaultTtl, m.timeoutMs]).toEqual(['app', 3, null, 50])
  // maxEntries=2: the least recently used entry goes.
  await m.set('a', 1)
  await m.set('b', 2)
  await m.get('a')
  await m.set('c', 3)
  expect(await m.getMany(['a', 'b', 'c'])).toEqual(
    new Map([
      ['a', 1],
      ['c', 3],
    ]),
  )
  expect(createCache('memory://?prefix=x', { prefix: 'y' }).prefix).toBe('y')
  expect(createCache('dummy://')).toBeInstanceOf(DummyCache)
  const r = createCache('redis://127.0.0.1:1/0?prefix=r', { redis: { lazyConnect: true } })
  expect(r).toBeInstanceOf(RedisCache)
  expect(r.prefix).toBe('r')
  await r.close()
})

it('createCache refuses bad URLs and options with CacheError', () => {
  expect(() => createCache('nonsense')).toThrow(CacheError)
  expect(() => createCache('ftp://x')).toThrow(/memory:\/\/, redis:\/\/ or dummy:\/\//)
  expect(() => createCache('memory://?maxEntries=lots')).toThrow(/maxEntries/)
  expect(() => createCache('memory://?maxEntries=0')).toThrow(CacheError)
  expect(() => createCache('memory://', { defaultTtl: -1 })).toThrow(CacheError)
  expect(() => createCache('memory://', { version: 1.5 })).toThrow(CacheError)
})

it('a memory cache bounded by bytes drops entries to stay under it', async () => {
  const m = createCache('memory://?maxBytes=20000') as MemoryCache
  for (let i = 0; i < 20; i++) await m.set(`k${i}`, 'x'.repeat(2000))
  expect(m.size).toBeLessThan(10)
  expect(await m.get('k19')).toBe('x'.repeat(2000))
})

it('cached() wraps a function with getOrSet, one key per arguments', async () => {
  const cache = createCache('memory://')
  let calls = 0
  const square = cached(
    async (n: number) => {
      calls++
      return n * n
    },
    { cache, key: (n) => `square_${n}`, ttl: 60 },
  )
  expect(await square(3)).toBe(9)
  expect(await square(3)).toBe(9)
  expect(await square(4)).toBe(16)
  expect(calls).toBe(2)
})

// An app on the memory cache should not load the Redis client and its dependencies (they made V8 size its young
// generation by them: the peer table's W11 worker peaked at 155 MB with them, 135 MB without). A child process,
// since this test file itself has loaded ioredis.
it('importing quarry/cache loads ioredis only when a Redis cache is made', () => {
  const script = `
    import { createRequire } from 'node:module'
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/ioredis/'))
    const { createCache } = await import('./src/cache/index.ts')
    const memory = createCache('memory://')
    const before = loaded()
    const redis = createCache('redis://127.0.0.1:1/0?timeoutMs=50')
    const after = loaded()
    redis.client.disconnect()
    console.log(JSON.stringify([before, after]))
  `
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  })
  expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual([false, true])
})

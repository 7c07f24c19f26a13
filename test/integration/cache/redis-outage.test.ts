import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { CacheEvent } from '../../../src/cache/cache-events.ts'
import { createCache } from '../../../src/cache/create-cache.ts'
import type { RedisCache } from '../../../src/cache/redis/redis-cache.ts'
import { diagnosticChannel } from '../../../src/diagnostics/channels.ts'
import { connect, type Db } from '../../../src/index.ts'
import { assertNumQueries } from '../../../src/testing/index.ts'
import { type BlogModels, blogSchema } from '../../support/blog-schema.ts'

// A Redis of our own on a free port (never the machine's service): stopped mid-test, then started again.
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })

let port: number
let server: ChildProcess | undefined
async function startRedis(): Promise<void> {
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
  probe.on('error', () => {})
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect()
      await probe.ping()
      probe.disconnect()
      return
    } catch {
      await sleep(50)
    }
  }
  throw new Error('redis-server did not start in 5 s')
}
async function stopRedis(): Promise<void> {
  const s = server!
  server = undefined
  s.kill('SIGKILL')
  if (s.exitCode === null) await once(s, 'exit')
}

let available = false
let cache: RedisCache
let db: Db<BlogModels>
const events: CacheEvent[] = []
const listen = (m: unknown) => {
  if ((m as CacheEvent).kind === 'cache') events.push(m as CacheEvent)
}

beforeAll(async () => {
  const which = spawn('redis-server', ['--version'], { stdio: 'ignore' })
  const [code] = (await once(which, 'exit').catch(() => [1])) as [number]
  available = code === 0
  if (!available) {
    if (process.env.CI === 'true') throw new Error('redis-server is required under CI=true')
    console.warn('\n!!! SKIPPING the Redis outage test: no redis-server binary\n')
    return
  }
  port = await freePort()
  await startRedis()
  diagnosticChannel.subscribe(listen)
  cache = createCache(`redis://127.0.0.1:${port}/0`, { timeoutMs: 300 }) as RedisCache
  db = await connect('sqlite::memory:', blogSchema, { cache, nPlusOne: 'off' })
  await db.createTables()
  const a = await db.Author.create({ name: 'Ann' })
  for (const t of ['a', 'b', 'c']) await db.Post.create({ title: t, author: a })
})

afterAll(async () => {
  if (!available) return
  diagnosticChannel.unsubscribe(listen)
  await db.close()
  await cache.close()
  if (server) await stopRedis()
})

const titles = async () => (await db.Post.orderBy('title').cache({ ttl: 300 })).map((p) => p.title)

it('Redis stopping mid-test degrades to the database: no request fails, writes still land', async () => {
  if (!available) return
  await titles()
  expect(await assertNumQueries(db, 0, titles)).toEqual(['a', 'b', 'c'])
  await stopRedis()
  // Every request still succeeds, answered by the database, within the bounded timeout.
  const started = performance.now()
  for (let i = 0; i < 10; i++) expect(await titles()).toEqual(['a', 'b', 'c'])
  await db.Post.filter({ title: 'a' }).update({ title: 'aa' })
  expect(await titles()).toEqual(['aa', 'b', 'c'])
  expect(await cache.getOrSet('fn', () => 42)).toBe(42)
  expect(await cache.get('fn')).toBeUndefined()
  await cache.set('x', 1)
  expect(performance.now() - started).toBeLessThan(10_000)
  expect(events.some((e) => e.op === 'get' || e.op === 'connect')).toBe(true)
  expect(events.some((e) => e.op === 'invalidate')).toBe(true)
  expect(JSON.stringify(events.map((e) => e.message))).not.toContain('aa')
})

it('when Redis is back, pending invalidations are written and the cache serves again', async () => {
  if (!available) return
  await startRedis()
  await expect.poll(() => events.some((e) => e.outcome === 'recovered'), { timeout: 10_000 }).toBe(true)
  await sleep(1100) // past the short pause after a failure
  await expect
    .poll(async () => (await cache.client.ping().catch(() => 'down')) === 'PONG', { timeout: 10_000 })
    .toBe(true)
  expect(await titles()).toEqual(['aa', 'b', 'c'])
  expect(await assertNumQueries(db, 0, titles)).toEqual(['aa', 'b', 'c'])
})

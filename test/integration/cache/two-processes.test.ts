import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { once } from 'node:events'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { BaseCache } from '../../../src/cache/base-cache.ts'
import { createCache } from '../../../src/cache/create-cache.ts'
import { connect, type Db } from '../../../src/index.ts'
import { assertNumQueries } from '../../../src/testing/index.ts'
import { type BlogModels, blogSchema } from '../../support/blog-schema.ts'
import { filePrefix, REDIS_URL, requireRedis } from '../../support/caches.ts'

/** A peer process speaking JSON lines (fixtures/peer.ts). */
class Peer {
  readonly child: ChildProcessWithoutNullStreams
  readonly #lines: AsyncIterator<string>
  constructor(args: string[]) {
    this.child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures/peer.ts'), ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    this.child.stderr.on('data', (d) => process.stderr.write(d))
    this.#lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]()
  }
  async next(): Promise<Record<string, unknown>> {
    const r = await Promise.race([
      this.#lines.next(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('peer did not answer in 20 s')), 20_000)),
    ])
    if (r.done) throw new Error('peer exited')
    return JSON.parse(r.value)
  }
  async send(cmd: string, arg?: string): Promise<Record<string, unknown>> {
    this.child.stdin.write(`${JSON.stringify({ cmd, arg })}\n`)
    return this.next()
  }
}

const prefix = filePrefix()
const path = join(tmpdir(), `quarry-two-processes-${prefix}.db`)
let cache: BaseCache
let db: Db<BlogModels>
let peer: Peer | undefined
let enabled = false

beforeAll(async () => {
  enabled = await requireRedis()
  if (!enabled) return
  cache = createCache(REDIS_URL, { prefix })
  db = await connect(`sqlite:${path}`, blogSchema, { cache, nPlusOne: 'off' })
  await db.createTables()
  const a = await db.Author.create({ name: 'Ann' })
  await db.Post.create({ title: 'alpha', author: a })
  await db.Post.create({ title: 'beta', author: a })
  peer = new Peer([`sqlite:${path}`, REDIS_URL, prefix])
  expect(await peer.next()).toEqual({ ready: true })
})

afterAll(async () => {
  if (!enabled) return
  if (peer) {
    await peer.send('quit')
    if (peer.child.exitCode === null) await once(peer.child, 'exit')
  }
  await cache.clear()
  await cache.close()
  await db.close()
  for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true })
})

const titles = async () => (await db.Post.orderBy('title').cache({ ttl: 300 })).map((p) => p.title)

it('a write in one process invalidates the query another process cached', async () => {
  if (!enabled) return
  // The peer fills the shared cache; this process then reads the peer's entry without a query.
  expect(await peer!.send('read')).toEqual({ titles: ['alpha', 'beta'], queries: 1 })
  expect(await assertNumQueries(db, 0, titles)).toEqual(['alpha', 'beta'])
  expect(await peer!.send('read')).toEqual({ titles: ['alpha', 'beta'], queries: 0 })
  // A write here...
  await db.Post.filter({ title: 'alpha' }).update({ title: 'gamma' })
  // ...and the peer's next read goes to the database and sees it.
  expect(await peer!.send('read')).toEqual({ titles: ['beta', 'gamma'], queries: 1 })
  expect(await peer!.send('read')).toEqual({ titles: ['beta', 'gamma'], queries: 0 })
})

it('and the other way round: the peer writes, this process stops serving its cached entry', async () => {
  if (!enabled) return
  expect(await assertNumQueries(db, 0, titles)).toEqual(['beta', 'gamma'])
  expect(await peer!.send('rename', 'beta>delta')).toEqual({ updated: 1 })
  expect(await assertNumQueries(db, 1, titles)).toEqual(['delta', 'gamma'])
})

it('a transaction in this process invalidates the peer only once it commits', async () => {
  if (!enabled) return
  expect(await peer!.send('read')).toMatchObject({ titles: ['delta', 'gamma'] })
  await db.atomic(async () => {
    await db.Post.filter({ title: 'delta' }).update({ title: 'epsilon' })
    // Not committed: the peer still has a valid entry for the committed data, and serves it.
    expect(await peer!.send('read')).toEqual({ titles: ['delta', 'gamma'], queries: 0 })
  })
  expect(await peer!.send('read')).toEqual({ titles: ['epsilon', 'gamma'], queries: 1 })
  await expect(
    db.atomic(async () => {
      await db.Post.filter({ title: 'gamma' }).update({ title: 'zeta' })
      throw new Error('rollback')
    }),
  ).rejects.toThrow('rollback')
  expect(await peer!.send('read')).toEqual({ titles: ['epsilon', 'gamma'], queries: 0 })
})

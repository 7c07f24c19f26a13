// Bounded memory (keep, maxQueries) and the JSON-lines store (rotation by size, reading back), on SQLite.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { profiler } from '../../src/http/index.ts'
import { connect, type Db } from '../../src/index.ts'
import { readStore, ShapeStore } from '../../src/profiler/store.ts'
import { blogSchema } from '../support/blog-schema.ts'

type Blog = typeof blogSchema.$models

describe('profiler memory bounds and store', () => {
  let db: Db<Blog>
  let dir: string
  beforeAll(async () => {
    db = await connect('sqlite::memory:', blogSchema, { nPlusOne: 'off' })
    await db.createTables()
    dir = mkdtempSync(join(tmpdir(), 'quarry-store-'))
  })
  afterAll(async () => {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps the newest `keep` requests and `maxQueries` statements of each (the rest counted)', async () => {
    const prof = profiler(db, { keep: 3, maxQueries: 4 })
    const app = prof.wrap(async (req: Request) => {
      const n = Number(new URL(req.url).pathname.slice(1))
      for (let i = 0; i < n; i++) await db.Post.filter({ views: i }).count()
      return new Response('ok')
    })
    for (const n of [1, 2, 3, 10]) await app(new Request(`http://app/${n}`))
    const list = prof.collector.list()
    expect(list.map((r) => r.url)).toEqual(['/10', '/3', '/2'])
    const big = prof.collector.get(list[0]!.id)!
    expect(big.queryCount).toBe(10)
    expect(big.queries).toHaveLength(4)
    expect(big.droppedQueries).toBe(6)
    // Statements past the cap still count for the flags: 10 runs of one shape.
    expect(big.flags.similar).toBe(1)
    await prof.close()
  })

  it('shows values only with logParams: true, and never writes them to the store', async () => {
    const path = join(dir, 'values.jsonl')
    const run = async (logParams: boolean) => {
      const prof = profiler(db, { logParams, store: path })
      await prof.wrap(async () => new Response(String(await db.Post.filter({ title: 'Opt-In-Value-91' }).count())))(
        new Request('http://app/v'),
      )
      const d = prof.collector.get(prof.collector.list()[0]!.id)!
      const page = await (await prof.dashboard(new Request(`http://app/__quarry/requests/${d.id}`), {
        remoteAddress: '127.0.0.1',
      }))!.text()
      await prof.close()
      return { json: JSON.stringify(d), page }
    }
    const off = await run(false)
    expect(off.json).not.toContain('Opt-In-Value-91')
    expect(off.page).not.toContain('Opt-In-Value-91')
    const on = await run(true)
    expect(on.json).toContain('"params":["Opt-In-Value-91"]')
    expect(on.page).toContain('Opt-In-Value-91')
    expect(readFileSync(path, 'utf8')).not.toContain('Opt-In-Value-91')
  })

  it('records a request whose handler throws as a 500, and rethrows', async () => {
    const prof = profiler(db)
    const app = prof.wrap(async () => {
      await db.Post.count()
      throw new TypeError('boom')
    })
    await expect(app(new Request('http://app/broken'))).rejects.toThrow('boom')
    const [r] = prof.collector.list()
    expect(r).toMatchObject({ url: '/broken', status: 500, queryCount: 1 })
    await prof.close()
  })

  it('is off in production unless enabled, and then records nothing and serves no dashboard', async () => {
    const before = process.env.NODE_ENV
    process.env.NODE_ENV = 'production'
    try {
      const prof = profiler(db)
      expect(prof.enabled).toBe(false)
      const handler = async () => new Response('app')
      expect(prof.wrap(handler)).toBe(handler)
      expect(await prof.dashboard(new Request('http://app/__quarry/'), { remoteAddress: '127.0.0.1' })).toBeUndefined()
      await prof.close()
    } finally {
      process.env.NODE_ENV = before
    }
  })

  it('answers loopback peers only, unless allow(req) says otherwise', async () => {
    const prof = profiler(db)
    const ask = (addr: string | undefined, headers: Record<string, string> = {}) =>
      prof.dashboard(new Request('http://app/__quarry/api/requests', { headers }), { remoteAddress: addr })
    expect((await ask('127.0.0.1'))!.status).toBe(200)
    expect((await ask('::1'))!.status).toBe(200)
    expect((await ask('::ffff:127.0.0.1'))!.status).toBe(200)
    expect((await ask('192.0.2.7'))!.status).toBe(404)
    expect((await ask(undefined))!.status).toBe(404)
    expect((await ask('127.0.0.1', { forwarded: 'for=192.0.2.7' }))!.status).toBe(404)
    // Not a dashboard path: left to the app.
    expect(await prof.dashboard(new Request('http://app/posts'), { remoteAddress: '127.0.0.1' })).toBeUndefined()
    await prof.close()
    const open = profiler(db, { allow: (req) => req.headers.get('x-admin') === 'yes' })
    const r = await open.dashboard(new Request('http://app/__quarry/', { headers: { 'x-admin': 'yes' } }), {
      remoteAddress: '192.0.2.7',
    })
    expect(r!.status).toBe(200)
    expect(r!.headers.get('content-security-policy')).toMatch(/default-src 'none'/)
    expect(await r!.text()).toContain('<h1>Requests</h1>')
    expect((await open.dashboard(new Request('http://app/__quarry/'), { remoteAddress: '127.0.0.1' }))!.status).toBe(
      404,
    )
    await open.close()
  })

  it('rotates the store by size and reads every file back, oldest first', async () => {
    const path = join(dir, 'p.jsonl')
    const store = new ShapeStore(path, { maxBytes: 2000, files: 2 })
    const prof = profiler(db, { store })
    const app = prof.wrap(async (req: Request) => {
      await db.Post.filter({ title: new URL(req.url).pathname }).count()
      return new Response('ok')
    })
    for (let i = 0; i < 30; i++) await app(new Request(`http://app/${i}`))
    await prof.close()
    const files = readdirSync(dir)
      .filter((f) => f.startsWith('p.jsonl'))
      .sort()
    expect(files).toEqual(['p.jsonl', 'p.jsonl.1', 'p.jsonl.2'])
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(2000)
    const lines = []
    for await (const s of readStore(path)) lines.push(s)
    expect(lines.length).toBeGreaterThan(5)
    expect(lines.length).toBeLessThan(30)
    expect(lines.at(-1)!.request).toBe('GET /29')
    expect(lines[0]!.sql).toMatch(/^SELECT COUNT/)
    expect(lines[0]!.calls).toBe(1)
  })
})

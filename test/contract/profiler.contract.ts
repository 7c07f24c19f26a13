// The request profiler over real HTTP on every backend: attribution under concurrency, each flag and its clean
// twin, the dashboard's JSON, EXPLAIN on demand, and no parameter value in any served or stored byte.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { type Profiler, profiler, type RequestDetail, type RequestSummary } from '../../src/http/index.ts'
import type { Db } from '../../src/index.ts'
import { describeEachBackend } from '../support/backends.ts'
import { blogSchema } from '../support/blog-schema.ts'
import { serveFetch } from '../support/fetch-server.ts'

type Blog = typeof blogSchema.$models

/** Planted in a row, a filter value and a query string: it must never come back from the profiler. */
const SECRET = 'Planted-Secret-7f3a9c'

describeEachBackend('request profiler over HTTP', (b) => {
  let db: Db<Blog>
  let prof: Profiler
  let slowProf: Profiler
  let server: { url: string; close(): Promise<void> }
  let slowServer: { url: string; close(): Promise<void> }
  let dir: string
  const served: string[] = []

  const get = async (path: string, base = server.url) => {
    const r = await fetch(base + path)
    const text = await r.text()
    // What the profiler serves (the app's own pages show the rows, as they should).
    if (path.startsWith('/__quarry')) served.push(text)
    return { status: r.status, text }
  }
  const api = async <T>(path: string, base = server.url): Promise<T> => JSON.parse((await get(path, base)).text) as T
  /** The request the profiler recorded for the latest hit on `url`. */
  const last = async (url: string, base = server.url): Promise<RequestDetail> => {
    const list = await api<RequestSummary[]>('/__quarry/api/requests', base)
    const hit = list.find((r) => r.url === url)
    if (!hit) throw new Error(`no request recorded for ${url}`)
    return api<RequestDetail>(`/__quarry/api/requests/${hit.id}`, base)
  }
  const kinds = (d: RequestDetail) => d.reports.map((r) => r.kind).sort()

  beforeAll(async () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    db = await b.connect(blogSchema)
    for (const name of ['Ada', 'Grace', SECRET]) {
      const author = await db.Author.create({ name })
      for (let i = 0; i < 4; i++) await db.Post.create({ title: `${name} post ${i}`, author, views: i })
    }
    dir = mkdtempSync(join(tmpdir(), 'quarry-prof-'))
    const app = async (req: Request): Promise<Response> => {
      const url = new URL(req.url)
      switch (url.pathname) {
        case '/n1': {
          const out: string[] = []
          for (const p of await db.Post.all()) out.push(((await p.author) as { name: string }).name)
          return Response.json(out.length)
        }
        case '/select-loop': {
          const out: string[] = []
          for (const p of await db.Post.selectRelated('author')) out.push(p.author.name)
          return Response.json(out.length)
        }
        case '/dup': {
          await db.Post.filter({ title: SECRET }).count()
          await db.Post.filter({ title: SECRET }).count()
          return Response.json('ok')
        }
        case '/single':
          return Response.json(await db.Post.filter({ title: SECRET }).count())
        case '/unused-select': {
          const posts = await db.Post.selectRelated('author')
          return Response.json(posts.map((p) => p.title).length)
        }
        case '/used-select-once': {
          // Only the first row's author is read: the load was used, so it is not reported.
          const posts = await db.Post.selectRelated('author').orderBy('id')
          return Response.json([posts.length, posts[0]!.author.name.length])
        }
        case '/tojson':
          return new Response(JSON.stringify(await db.Post.selectRelated('author')), {
            headers: { 'content-type': 'application/json' },
          })
        case '/values':
          return Response.json(await db.Post.selectRelated('author').values('title'))
        case '/unused-prefetch': {
          const authors = await db.Author.prefetchRelated('posts')
          return Response.json(authors.map((a) => a.id).length)
        }
        case '/used-prefetch': {
          const authors = await db.Author.prefetchRelated('posts').orderBy('id')
          return Response.json(authors[1]!.posts.length)
        }
        case '/nested-unused': {
          // posts are read, their tags are not: only 'posts.tags' is wasted.
          const authors = await db.Author.prefetchRelated('posts', 'posts.tags')
          return Response.json(authors.map((a) => a.posts.length))
        }
        case '/nested-used': {
          const authors = await db.Author.prefetchRelated('posts', 'posts.tags').orderBy('id')
          return Response.json(authors[0]!.posts[0]!.tags.length)
        }
        case '/concurrent': {
          const i = Number(url.searchParams.get('i'))
          for (let k = 0; k <= i % 5; k++) {
            await new Promise((ok) => setTimeout(ok, (i * 7 + k * 3) % 11))
            await db.Post.filter({ views: { gte: i } }).count()
          }
          return Response.json(i)
        }
        default:
          return new Response('no', { status: 404 })
      }
    }
    prof = profiler(db, { slowMs: 60_000, similarAt: 5, store: join(dir, 'profile.jsonl'), stacks: true })
    slowProf = profiler(db, { slowMs: 0, store: join(dir, 'slow.jsonl') })
    server = await serveFetch(prof.wrap(app))
    slowServer = await serveFetch(slowProf.wrap(app))
  })
  afterAll(async () => {
    await server?.close()
    await slowServer?.close()
    await prof?.close()
    await slowProf?.close()
    rmSync(dir, { recursive: true, force: true })
    vi.restoreAllMocks()
  })

  it('attributes every statement to its own request under 50 concurrent requests', async () => {
    const n = 50
    const responses = await Promise.all(
      Array.from({ length: n }, (_, i) => fetch(`${server.url}/concurrent?i=${i}`).then((r) => r.json())),
    )
    expect(responses).toEqual(Array.from({ length: n }, (_, i) => i))
    await prof.collector.settled()
    const list = (await api<RequestSummary[]>('/__quarry/api/requests')).filter((r) => r.url.startsWith('/concurrent'))
    expect(list).toHaveLength(n)
    // Which request is which: the URL keeps parameter names only, so read the statements' count and order.
    const counts = list.map((r) => r.queryCount).sort((a, b) => a - b)
    const expected = Array.from({ length: n }, (_, i) => (i % 5) + 1).sort((a, b) => a - b)
    expect(counts).toEqual(expected)
    for (const r of list) {
      const d = await api<RequestDetail>(`/__quarry/api/requests/${r.id}`)
      expect(d.queries).toHaveLength(r.queryCount)
      expect(new Set(d.queries.map((q) => q.sql)).size).toBe(1)
      expect(d.queries[0]!.sql).toMatch(/COUNT/i)
      expect(d.status).toBe(200)
    }
  })

  it('flags the N+1 loop with the detector report and "similar"; the selectRelated loop is clean', async () => {
    await get('/n1')
    await get('/select-loop')
    const n1 = await last('/n1')
    expect(n1.queryCount).toBe(13)
    expect(n1.flags.nPlusOne).toBe(1)
    expect(n1.flags.similar).toBe(1)
    const report = n1.reports.find((r) => r.kind === 'nPlusOne')!
    expect(report.message).toMatch(/^N\+1 query: Post\.author loaded lazily for 2\+ posts of one result at test\//)
    expect(report.fix).toMatch(
      /^Add \.selectRelated\('author'\) to the query at test\/.*, or use fetchMode\('peers'\)\.$/,
    )
    const clean = await last('/select-loop')
    expect(clean.queryCount).toBe(1)
    expect(clean.reports).toEqual([])
  })

  it('flags a duplicate (same SQL, same values) and not a single query', async () => {
    await get(`/dup?q=${SECRET}`)
    await get('/single')
    const dup = await last('/dup?q=…')
    expect(kinds(dup)).toEqual(['duplicate'])
    expect(dup.reports[0]!.message).toMatch(/ran 2 times at test\//)
    expect(dup.reports[0]!.fix).toMatch(/^Run it once and reuse the result/)
    expect((await last('/single')).reports).toEqual([])
  })

  it('flags an unused selectRelated; a load read for one row, toJSON and values() are not flagged', async () => {
    await get('/unused-select')
    const unused = await last('/unused-select')
    expect(kinds(unused)).toEqual(['unusedEager'])
    expect(unused.reports[0]!.message).toMatch(
      /^Unused eager load: Post\.selectRelated\('author'\) at test\/.* loaded 'author' for 12 objects/,
    )
    expect(unused.reports[0]!.fix).toMatch(/^Remove 'author' from \.selectRelated\(\)/)
    for (const clean of ['/used-select-once', '/tojson', '/values']) {
      await get(clean)
      expect((await last(clean)).reports, clean).toEqual([])
    }
  })

  it('flags an unused prefetchRelated; one read parent is enough to count as used', async () => {
    await get('/unused-prefetch')
    await get('/used-prefetch')
    const unused = await last('/unused-prefetch')
    expect(unused.queryCount).toBe(2)
    expect(kinds(unused)).toEqual(['unusedEager'])
    expect(unused.reports[0]!.message).toMatch(/Author\.prefetchRelated\('posts'\) .*for 3 objects/)
    expect((await last('/used-prefetch')).reports).toEqual([])
  })

  it('tracks nested paths separately: posts read, posts.tags not', async () => {
    await get('/nested-unused')
    await get('/nested-used')
    const unused = await last('/nested-unused')
    expect(unused.queryCount).toBe(3)
    expect(kinds(unused)).toEqual(['unusedEager'])
    expect(unused.reports[0]!.message).toMatch(/Author\.prefetchRelated\('posts\.tags'\) .*for 12 objects/)
    expect((await last('/nested-used')).reports).toEqual([])
  })

  it('flags slow statements (at slowMs) with a plan; below it, nothing', async () => {
    await get('/single', slowServer.url)
    await slowProf.collector.settled()
    const slow = await last('/single', slowServer.url)
    expect(kinds(slow)).toEqual(['slow'])
    expect(slow.reports[0]!.plan).toBeTruthy()
    expect(slow.reports[0]!.plan).toMatch(/blog_post/i)
    expect((await last('/single')).flags.slow).toBe(0)
  })

  it('explains a recorded statement on demand, from the values in memory', async () => {
    const dup = await last('/dup?q=…')
    const r = await fetch(`${server.url}/__quarry/api/requests/${dup.id}/queries/0/explain`, { method: 'POST' })
    const text = await r.text()
    served.push(text)
    expect(r.status).toBe(200)
    expect(JSON.parse(text).plan).toMatch(/blog_post/i)
    // A page on another site cannot make the browser run it.
    const cross = await fetch(`${server.url}/__quarry/api/requests/${dup.id}/queries/0/explain`, {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
    })
    expect(cross.status).toBe(403)
  })

  it('answers loopback clients only: a proxied request gets 404', async () => {
    const r = await fetch(`${server.url}/__quarry/api/requests`, { headers: { 'x-forwarded-for': '203.0.113.9' } })
    expect(r.status).toBe(404)
  })

  it('no parameter value in any served or stored byte', async () => {
    const list = await api<RequestSummary[]>('/__quarry/api/requests')
    await get('/__quarry/')
    for (const r of list) {
      await get(`/__quarry/api/requests/${r.id}`)
      await get(`/__quarry/requests/${r.id}`)
    }
    for (const r of await api<RequestSummary[]>('/__quarry/api/requests', slowServer.url))
      await get(`/__quarry/api/requests/${r.id}`, slowServer.url)
    await prof.collector.settled()
    await slowProf.collector.settled()
    await prof.collector.store!.flush()
    await slowProf.collector.store!.flush()
    const files = readdirSync(dir)
    expect(files).toContain('profile.jsonl')
    const stored = files.map((f) => readFileSync(join(dir, f), 'utf8'))
    // The store has the shapes it should (the duplicate query's SQL), so an empty file cannot pass.
    expect(stored.join('')).toMatch(/"calls":2/)
    for (const bytes of [...served, ...stored]) expect(bytes).not.toContain(SECRET)
    // And the planted value is really in the database, so the check above means something.
    expect(await db.Author.filter({ name: SECRET }).count()).toBe(1)
  })
})

// The profiler through each framework adapter, over real HTTP: Express 5, Fastify 5 and Hono 4 (and a bare Fetch
// handler on @hono/node-server). Per server: 50 concurrent requests each get exactly their own statements, the
// N+1 flag is raised on the loop and not on its selectRelated twin, the dashboard answers on loopback, and no
// planted value comes back from it.
import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Profiler, profiler, type RequestDetail, type RequestSummary } from '../../../src/http/index.ts'
import { connect, type Db } from '../../../src/index.ts'
import { blogSchema } from '../../support/blog-schema.ts'

type Blog = Db<typeof blogSchema.$models>
const SECRET = 'Adapter-Planted-5e1d'

interface Served {
  url: string
  close(): Promise<void>
}

/** The app's pages, framework-neutral: the body for a path (with its query string). */
function pages(db: Blog) {
  return async (pathAndQuery: string): Promise<unknown> => {
    const url = new URL(pathAndQuery, 'http://app')
    if (url.pathname === '/n1') {
      const out: string[] = []
      for (const p of await db.Post.all()) out.push((await p.author)!.name)
      return out.length
    }
    if (url.pathname === '/select-loop') {
      const out: string[] = []
      for (const p of await db.Post.selectRelated('author')) out.push(p.author.name)
      return out.length
    }
    if (url.pathname === '/secret') return db.Post.filter({ title: SECRET }).count()
    const i = Number(url.searchParams.get('i'))
    for (let k = 0; k <= i % 5; k++) {
      await new Promise((ok) => setTimeout(ok, (i * 7 + k * 3) % 11))
      await db.Post.filter({ views: { gte: i } }).count()
    }
    return i
  }
}
const PATHS = ['/n1', '/select-loop', '/secret', '/concurrent']

const listen = (server: Server): Promise<Served> =>
  new Promise((ok) =>
    server.once('listening', () =>
      ok({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections?.()
            server.close(() => done())
          }),
      }),
    ),
  )

// The frameworks' full route typings cost ~200k type instantiations (npm run typecheck has a budget); these
// tests need only a few calls of each, so they see them through small structural types.
type ExpressApp = {
  use(mw: unknown): void
  get(path: string, h: (req: { url: string }, res: { json(v: unknown): void }) => Promise<void>): void
  listen(port: number, host: string): Server
}
type FastifyApp = {
  register(plugin: unknown): void
  get(path: string, h: (req: { url: string }) => Promise<unknown>): void
  listen(o: { port: number; host: string }): Promise<string>
  server: Server
  close(): Promise<void>
}
type HonoApp = {
  use(mw: unknown): void
  get(path: string, h: (c: { req: { url: string }; json(v: unknown): Response }) => Promise<Response>): void
  fetch: Parameters<typeof serve>[0]['fetch']
}

const servers: Record<string, (prof: Profiler, db: Blog) => Promise<Served>> = {
  async fetch(prof, db) {
    const page = pages(db)
    const handler = prof.wrap(async (req: Request, _client: { remoteAddress?: string | undefined }) =>
      Response.json(await page(req.url)),
    )
    // @hono/node-server serves a bare Fetch handler; the peer address comes from its Node request.
    const server = serve({
      fetch: (req, env) => handler(req, { remoteAddress: (env.incoming as IncomingMessage).socket.remoteAddress }),
      port: 0,
      hostname: '127.0.0.1',
    })
    return listen(server as unknown as Server)
  },
  async express(prof, db) {
    const page = pages(db)
    const app = (express as unknown as () => ExpressApp)()
    app.use(prof.express())
    for (const path of PATHS) app.get(path, async (req, res) => res.json(await page(req.url)))
    return listen(app.listen(0, '127.0.0.1'))
  },
  async fastify(prof, db) {
    const page = pages(db)
    const app = (Fastify as unknown as () => FastifyApp)()
    app.register(prof.fastify.plugin)
    for (const path of PATHS) app.get(path, (req) => page(req.url))
    await app.listen({ port: 0, host: '127.0.0.1' })
    return {
      url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      close: () => app.close(),
    }
  },
  async hono(prof, db) {
    const page = pages(db)
    const app = new (Hono as unknown as new () => HonoApp)()
    app.use(prof.hono())
    for (const path of PATHS) app.get(path, async (c) => c.json(await page(c.req.url)))
    return listen(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as unknown as Server)
  },
}

for (const [name, start] of Object.entries(servers)) {
  describe(`profiler through ${name}`, () => {
    let db: Blog
    let prof: Profiler
    let server: Served
    const served: string[] = []
    const api = async <T>(path: string): Promise<T> => {
      const text = await (await fetch(server.url + path)).text()
      served.push(text)
      return JSON.parse(text) as T
    }
    const last = async (url: string) => {
      const hit = (await api<RequestSummary[]>('/__quarry/api/requests')).find((r) => r.url === url)
      expect(hit, url).toBeDefined()
      return api<RequestDetail>(`/__quarry/api/requests/${hit!.id}`)
    }

    beforeAll(async () => {
      vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
      db = await connect('sqlite::memory:', blogSchema)
      await db.createTables()
      for (const author of ['Ada', 'Grace', 'Barbara']) {
        const a = await db.Author.create({ name: author })
        for (let i = 0; i < 4; i++) await db.Post.create({ title: `${author} ${i}`, author: a, views: i })
      }
      prof = profiler(db)
      server = await start(prof, db)
    })
    afterAll(async () => {
      await server?.close()
      await prof?.close()
      await db?.close()
      vi.restoreAllMocks()
    })

    it('attributes statements to their own request under 50 concurrent requests', async () => {
      const n = 50
      const bodies = await Promise.all(
        Array.from({ length: n }, (_, i) => fetch(`${server.url}/concurrent?i=${i}`).then((r) => r.json())),
      )
      expect(bodies).toEqual(Array.from({ length: n }, (_, i) => i))
      const list = (await api<RequestSummary[]>('/__quarry/api/requests')).filter((r) =>
        r.url.startsWith('/concurrent'),
      )
      expect(list).toHaveLength(n)
      expect(list.map((r) => r.queryCount).sort((a, b) => a - b)).toEqual(
        Array.from({ length: n }, (_, i) => (i % 5) + 1).sort((a, b) => a - b),
      )
      for (const r of list) expect(r.status).toBe(200)
    })

    it('flags the N+1 loop, not its selectRelated twin', async () => {
      await fetch(`${server.url}/n1`).then((r) => r.text())
      await fetch(`${server.url}/select-loop`).then((r) => r.text())
      const n1 = await last('/n1')
      expect(n1.queryCount).toBe(13)
      expect(n1.flags.nPlusOne).toBe(1)
      expect(n1.reports.find((r) => r.kind === 'nPlusOne')!.fix).toMatch(/^Add \.selectRelated\('author'\)/)
      const clean = await last('/select-loop')
      expect(clean.queryCount).toBe(1)
      expect(clean.reports).toEqual([])
    })

    it('serves the dashboard page, and no planted value', async () => {
      await fetch(`${server.url}/secret?q=${SECRET}`).then((r) => r.text())
      const page = await fetch(`${server.url}/__quarry/`)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/)
      served.push(await page.text())
      const d = await last('/secret?q=…')
      expect(d.queryCount).toBe(1)
      const proxied = await fetch(`${server.url}/__quarry/api/requests`, {
        headers: { 'x-forwarded-for': '203.0.113.9' },
      })
      expect(proxied.status).toBe(404)
      for (const text of served) expect(text).not.toContain(SECRET)
    })
  })
}

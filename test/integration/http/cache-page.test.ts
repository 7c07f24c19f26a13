import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../../../src/cache/create-cache.ts'
import { cachePageMiddleware } from '../../../src/http/cache-page.ts'
import { fastPaths, type RawReply } from '../../../src/http/fetch-middleware.ts'
import { cachePage } from '../../../src/http/index.ts'
import { connect, type Db } from '../../../src/index.ts'
import { type BlogModels, blogSchema } from '../../support/blog-schema.ts'

// cachePage over real HTTP, once per way of serving it: a Fetch handler (served by @hono/node-server), and the
// Express 5, Fastify 5 and Hono 4 adapters. Each server has the same routes, written natively for its framework.

interface Served {
  url: string
  calls: Map<string, number>
  close(): Promise<void>
}

type Route = 'page' | 'vary' | 'private' | 'cookie' | 'missing' | 'slow' | 'posts'

let db: Db<BlogModels>
const cache = createCache('memory://')

/** What each route answers, framework-neutral: status, headers, body. */
async function answer(route: Route, lang: string | null, n: number) {
  switch (route) {
    case 'page':
      return { status: 200, headers: { 'content-type': 'text/html' }, body: `<p>page ${n}</p>` }
    case 'vary':
      return { status: 200, headers: { vary: 'Accept-Language' }, body: `lang ${lang} ${n}` }
    case 'private':
      return { status: 200, headers: { 'cache-control': 'private' }, body: `private ${n}` }
    case 'cookie':
      return { status: 200, headers: { 'set-cookie': 'session=abc' }, body: `cookie ${n}` }
    case 'missing':
      return { status: 404, headers: {}, body: `missing ${n}` }
    case 'slow':
      await sleep(100)
      return { status: 200, headers: {}, body: `slow ${n}` }
    case 'posts': {
      const titles = (await db.Post.orderBy('title')).map((p) => p.title)
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(titles) }
    }
  }
}
const routes: Route[] = ['page', 'vary', 'private', 'cookie', 'missing', 'slow', 'posts']

function options(route: Route) {
  return {
    ttl: 60,
    cache,
    keyPrefix: `${route}-${Math.random()}`,
    ...(route === 'posts' ? { dependsOn: [db.Post] } : {}),
  }
}
const count = (calls: Map<string, number>, r: string) => {
  const n = (calls.get(r) ?? 0) + 1
  calls.set(r, n)
  return n
}

/** A Fetch handler served over HTTP by @hono/node-server. */
async function served(
  fetch: (req: Request) => Response | Promise<Response>,
  calls: Map<string, number>,
): Promise<Served> {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((r) => server.once('listening', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise((r) => server.close(() => r())),
  }
}

const servers: Record<string, () => Promise<Served>> = {
  async fetch() {
    const calls = new Map<string, number>()
    const handlers = new Map(
      routes.map((r) => [
        r,
        cachePage(options(r), async (req: Request) => {
          const a = await answer(r, req.headers.get('accept-language'), count(calls, r))
          return new Response(a.body, { status: a.status, headers: a.headers })
        }),
      ]),
    )
    return served((req) => handlers.get(new URL(req.url).pathname.slice(1) as Route)!(req), calls)
  },
  async express() {
    const calls = new Map<string, number>()
    const app = express()
    for (const r of routes)
      app.all(`/${r}`, cachePage.express(options(r)), async (req, res) => {
        const a = await answer(r, req.get('accept-language') ?? null, count(calls, r))
        res.status(a.status).set(a.headers).send(a.body)
      })
    const server = app.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      calls,
      close: () => new Promise((r) => server.close(() => r())),
    }
  },
  async fastify() {
    const calls = new Map<string, number>()
    const app = Fastify()
    // One route per path with the hooks as route options; 'page' also through the scope plugin.
    app.register(async (scope) => {
      scope.register(cachePage.fastify(options('page')).plugin)
      scope.route({
        method: ['GET', 'HEAD', 'POST'],
        url: '/page',
        handler: async (_req, reply) => {
          const a = await answer('page', null, count(calls, 'page'))
          reply.code(a.status).headers(a.headers)
          return a.body
        },
      })
    })
    for (const r of routes.filter((x) => x !== 'page'))
      app.route({
        method: ['GET', 'HEAD', 'POST'],
        url: `/${r}`,
        ...cachePage.fastify(options(r)),
        handler: async (req, reply) => {
          const a = await answer(r, (req.headers['accept-language'] as string | undefined) ?? null, count(calls, r))
          reply.code(a.status).headers(a.headers)
          return a.body
        },
      })
    await app.listen({ port: 0, host: '127.0.0.1' })
    return {
      url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      calls,
      close: () => app.close(),
    }
  },
  async hono() {
    const calls = new Map<string, number>()
    const app = new Hono()
    for (const r of routes)
      app.all(`/${r}`, cachePage.hono(options(r)), async (c) => {
        const a = await answer(r, c.req.header('accept-language') ?? null, count(calls, r))
        return new Response(a.body, { status: a.status, headers: a.headers as Record<string, string> })
      })
    return served(app.fetch, calls)
  },
  // cachePage.hono(options, handler): one handler per route (Hono skips its middleware chain), c typed by Hono.
  async 'hono handler'() {
    const calls = new Map<string, number>()
    const app = new Hono()
    for (const r of routes)
      app.all(
        `/${r}`,
        cachePage.hono(options(r), async (c) => {
          const a = await answer(r, c.req.header('accept-language') ?? null, count(calls, r))
          return c.body(a.body, a.status as 200, a.headers as Record<string, string>)
        }),
      )
    return served(app.fetch, calls)
  },
}

beforeAll(async () => {
  db = await connect('sqlite::memory:', blogSchema, { cache, nPlusOne: 'off' })
  await db.createTables()
  const a = await db.Author.create({ name: 'Ann' })
  await db.Post.create({ title: 'first', author: a })
})
afterAll(async () => {
  await db.close()
  await cache.close()
})

for (const [name, start] of Object.entries(servers)) {
  describe(`cachePage over HTTP [${name}]`, () => {
    let s: Served
    beforeAll(async () => {
      s = await start()
    })
    afterAll(() => s.close())
    const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
      fetch(`${s.url}${path}`, { method, headers })

    it('a miss computes and sets max-age and Expires; a hit replays the bytes with Age', async () => {
      const miss = await get('/page')
      expect(miss.status).toBe(200)
      expect(miss.headers.get('x-cache')).toBe('MISS')
      expect(miss.headers.get('cache-control')).toBe('max-age=60')
      expect(Date.parse(miss.headers.get('expires')!)).toBeGreaterThan(Date.now() + 50_000)
      expect(miss.headers.get('content-type')).toMatch(/^text\/html/) // Express adds a charset
      const body = await miss.text()
      expect(body).toBe('<p>page 1</p>')
      const hit = await get('/page')
      expect(hit.headers.get('x-cache')).toBe('HIT')
      expect(Number(hit.headers.get('age'))).toBeGreaterThanOrEqual(0)
      expect(hit.headers.get('content-type')).toBe(miss.headers.get('content-type'))
      expect(await hit.text()).toBe(body)
      expect(s.calls.get('page')).toBe(1)
      const head = await get('/page', {}, 'HEAD')
      expect(head.status).toBe(200)
      expect(await head.text()).toBe('')
    })

    it('keys on the request headers named in Vary', async () => {
      const en = await (await get('/vary', { 'accept-language': 'en' })).text()
      const fr = await get('/vary', { 'accept-language': 'fr' })
      expect(fr.headers.get('x-cache')).toBe('MISS')
      expect(await fr.text()).toBe('lang fr 2')
      const enAgain = await get('/vary', { 'accept-language': 'en' })
      expect(enAgain.headers.get('x-cache')).toBe('HIT')
      expect(await enAgain.text()).toBe(en)
      expect(s.calls.get('vary')).toBe(2)
    })

    it('answers If-None-Match with 304 from the stored ETag', async () => {
      const first = await get('/page')
      const etag = first.headers.get('etag')!
      expect(etag).toMatch(/^(W\/)?".+"$/) // Express sets its own weak ETag; cachePage keeps it
      const notModified = await get('/page', { 'if-none-match': etag })
      expect(notModified.status).toBe(304)
      expect(await notModified.text()).toBe('')
      expect((await get('/page', { 'if-none-match': '"other"' })).status).toBe(200)
    })

    it('leaves uncacheable responses untouched: private, Set-Cookie, not 200, not GET/HEAD', async () => {
      for (const r of ['private', 'cookie', 'missing'] as const) {
        const one = await get(`/${r}`)
        const two = await get(`/${r}`)
        expect(two.headers.get('x-cache')).toBeNull()
        expect(await one.text()).not.toBe(await two.text())
        expect(s.calls.get(r)).toBe(2)
      }
      expect((await get('/private')).headers.get('cache-control')).toBe('private')
      expect((await get('/cookie')).headers.get('set-cookie')).toBe('session=abc')
      expect((await get('/missing')).status).toBe(404)
      const post = await get('/page', {}, 'POST')
      expect(post.headers.get('x-cache')).toBeNull()
      expect(await post.text()).toMatch(/^<p>page \d+<\/p>$/)
    })

    it('50 concurrent misses compute the page once', async () => {
      const responses = await Promise.all(Array.from({ length: 50 }, () => get('/slow')))
      const bodies = await Promise.all(responses.map((r) => r.text()))
      expect(s.calls.get('slow')).toBe(1)
      expect(new Set(bodies)).toEqual(new Set(['slow 1']))
      expect(responses.every((r) => r.status === 200)).toBe(true)
    })

    it('dependsOn drops the page when the model is written', async () => {
      const before = await (await get('/posts')).text()
      expect((await get('/posts')).headers.get('x-cache')).toBe('HIT')
      const p = await db.Post.create({ title: `new-${name}`, author: (await db.Author.first())! })
      const after = await get('/posts')
      expect(after.headers.get('x-cache')).toBe('MISS')
      expect(JSON.parse(await after.text())).toEqual([...JSON.parse(before), `new-${name}`].sort())
      await p.delete()
    })

    it('a dependsOn generation evicted from the cache makes the next request a miss, then hits resume', async () => {
      // A hit on the memory cache is answered synchronously; a missing generation has to be created first, which
      // the synchronous path leaves to the normal one.
      await get('/posts')
      expect((await get('/posts')).headers.get('x-cache')).toBe('HIT')
      const calls = s.calls.get('posts')!
      await cache.deleteRaw([db.queryCache!.generations.key(db.Post.state.model.table)])
      const after = await get('/posts')
      expect(after.headers.get('x-cache')).toBe('MISS')
      expect(s.calls.get('posts')).toBe(calls + 1)
      expect((await get('/posts')).headers.get('x-cache')).toBe('HIT')
      expect(s.calls.get('posts')).toBe(calls + 1)
    })
  })
}

it("a hit on the memory cache comes back from the adapters' fast path at once, without a promise", async () => {
  const memory = createCache('memory://')
  const dummy = createCache('dummy://')
  try {
    const page = async () => new Response('<p>hi</p>', { headers: { 'content-type': 'text/html' } })
    const mw = cachePageMiddleware({ ttl: 60, cache: memory })
    const url = 'http://localhost/fast'
    await mw(new Request(url), page) // the miss stores it
    const hit = fastPaths.get(mw)!('GET', url, () => null)
    expect(hit).not.toBeInstanceOf(Promise)
    expect(Object.fromEntries((hit as RawReply).headers)['x-cache']).toBe('HIT')
    // A store that cannot answer synchronously goes the async way, and finds nothing in a dummy cache.
    const other = cachePageMiddleware({ ttl: 60, cache: dummy })
    await other(new Request(url), page)
    const answer = fastPaths.get(other)!('GET', url, () => null)
    expect(answer).toBeInstanceOf(Promise)
    expect(await answer).toBeUndefined()
  } finally {
    await memory.close()
    await dummy.close()
  }
})

it('cachePage.hono(options, handler) answers a memory-cache hit with a Response, not a promise', async () => {
  const memory = createCache('memory://')
  try {
    const app = new Hono()
    let calls = 0
    app.get(
      '/one',
      cachePage.hono({ ttl: 60, cache: memory }, (c) => {
        calls++
        return c.html('<p>one</p>')
      }),
    )
    const miss = app.fetch(new Request('http://localhost/one'))
    expect(miss).toBeInstanceOf(Promise) // the miss stores the page: async
    expect(await (await miss).text()).toBe('<p>one</p>')
    const hit = app.fetch(new Request('http://localhost/one'))
    expect(hit).toBeInstanceOf(Response)
    expect((hit as Response).headers.get('x-cache')).toBe('HIT')
    expect(await (hit as Response).text()).toBe('<p>one</p>')
    expect(calls).toBe(1)
  } finally {
    await memory.close()
  }
})

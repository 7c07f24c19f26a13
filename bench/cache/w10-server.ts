// One W10 server: node bench/cache/w10-server.ts <express|fastify|hono> <hello|miss|hit> <sqlite file>
// Prints its port on stdout, serves until killed.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { schema } from '../../examples/demo/schema.ts'
import { createCache } from '../../src/cache/index.ts'
import { cachePage } from '../../src/http/index.ts'
import { connect } from '../../src/index.ts'

const [framework, mode, file] = process.argv.slice(2) as [
  'express' | 'fastify' | 'hono',
  'hello' | 'static' | 'static-headers' | 'miss' | 'hit' | 'hit-handler',
  string,
]
const cache = createCache('memory://')
const db = await connect(`sqlite:${file}`, schema, { nPlusOne: 'off', cache })
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)

/** The page: 50 newest posts with their author, as HTML. */
async function render(): Promise<string> {
  const posts = await db.Post.selectRelated('author').orderBy('-createdAt').limit(50)
  const items = posts.map((p) => `<li><h2>${esc(p.title)}</h2><p>by ${esc(p.author.name)}, ${p.views} views</p></li>`)
  return `<!doctype html><html><body><ul>${items.join('')}</ul></body></html>`
}
const options = { ttl: 600, cache, dependsOn: [db.Post] }
// 'static': the same page rendered once at start and sent as a constant string (the floor for its bytes).
// 'static-headers': that constant page with the headers a cachePage hit sends besides it (the floor for a hit's bytes
// and headers, with no lookup).
const constant = mode === 'static' || mode === 'static-headers'
const page = constant ? await render() : ''
const body = async () => (constant ? page : render())
const hitHeaders: Record<string, string> = {
  'cache-control': 'max-age=600',
  expires: new Date(Date.now() + 600_000).toUTCString(),
  etag: '"0123456789abcdefghijklmnopq"',
  'x-cache': 'HIT',
  age: '1',
}

let port: number
if (framework === 'express') {
  const app = express()
  const handler = async (_req: express.Request, res: express.Response) => {
    if (mode === 'hello') return void res.send('Hello World!')
    if (mode === 'static-headers') res.set(hitHeaders)
    res.type('html').send(await body())
  }
  if (mode === 'hit') app.get('/', cachePage.express(options), handler)
  else app.get('/', handler)
  const server = app.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  port = (server.address() as AddressInfo).port
} else if (framework === 'fastify') {
  const app = Fastify()
  const handler = async (_req: unknown, reply: { type(t: string): unknown; header(k: string, v: string): unknown }) => {
    if (mode === 'hello') return 'Hello World!'
    reply.type('text/html')
    if (mode === 'static-headers') for (const [k, v] of Object.entries(hitHeaders)) reply.header(k, v)
    return body()
  }
  if (mode === 'hit') app.get('/', cachePage.fastify(options), handler)
  else app.get('/', handler)
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = (app.server.address() as AddressInfo).port
} else {
  const app = new Hono()
  const handler = async (c: {
    text(s: string): Response
    html(s: string, status?: number, headers?: Record<string, string>): Response
  }) =>
    mode === 'hello'
      ? c.text('Hello World!')
      : mode === 'static-headers'
        ? // As the adapter answers a hit: a Response with a plain header record (c.html's headers go through Headers).
          new Response(page, { status: 200, headers: { 'content-type': 'text/html; charset=UTF-8', ...hitHeaders } })
        : c.html(await body())
  // 'hit-handler': cachePage.hono(options, handler), one handler (Hono runs it without its middleware chain).
  if (mode === 'hit') app.get('/', cachePage.hono(options), handler)
  else if (mode === 'hit-handler') app.get('/', cachePage.hono(options, handler))
  else app.get('/', handler)
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((r) => server.once('listening', r))
  port = (server.address() as AddressInfo).port
}
process.stdout.write(`${port}\n`)
for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => process.exit(0))

/**
 * quarry/http — `cachePage` for Fetch-API handlers, with Express, Fastify and Hono adapters.
 *
 * @example
 * import { cachePage } from 'quarry/http'
 * export const GET = cachePage({ ttl: 900, cache, dependsOn: [db.Post] }, async (req: Request) => render())
 * app.get('/posts', cachePage.express({ ttl: 900, cache }), handler)
 */
import { toExpress } from './adapters/express.ts'
import { toFastify } from './adapters/fastify.ts'
import { toHono } from './adapters/hono.ts'
import { type CachePageOptions, cachePageMiddleware, cachePage as fetchCachePage } from './cache-page.ts'

/** `cachePage(options, handler)` for Fetch handlers, plus `.express`, `.fastify`, `.hono` and `.middleware`. */
export const cachePage = Object.assign(fetchCachePage, {
  /** The Fetch middleware itself. */
  middleware: cachePageMiddleware,
  /** Express 5 middleware: `app.get('/posts', cachePage.express({ ttl, cache }), handler)`. */
  express: (options: CachePageOptions) => toExpress(cachePageMiddleware(options)),
  /** A Fastify 5 plugin for the routes of the scope it is registered in. */
  fastify: (options: CachePageOptions) => toFastify(cachePageMiddleware(options)),
  /** Hono 4 middleware: `app.get('/posts', cachePage.hono({ ttl, cache }), (c) => …)`. */
  hono: (options: CachePageOptions) => toHono(cachePageMiddleware(options)),
})

export { type ExpressMiddleware, toExpress } from './adapters/express.ts'
export { toFastify } from './adapters/fastify.ts'
export { type HonoContextLike, type HonoMiddleware, toHono } from './adapters/hono.ts'
export type { CachePageOptions, PageDependency } from './cache-page.ts'
export { type FetchHandler, type FetchMiddleware, knownBody, materialize } from './fetch-middleware.ts'

/**
 * quarry/http — `cachePage` and the request profiler for Fetch-API handlers, with Express, Fastify and Hono
 * adapters.
 *
 * @example
 * import { cachePage, profiler } from 'quarry/http'
 * export const GET = cachePage({ ttl: 900, cache, dependsOn: [db.Post] }, async (req: Request) => render())
 * app.get('/posts', cachePage.express({ ttl: 900, cache }), handler)
 * const prof = profiler(db, { path: '/__quarry', slowMs: 100 })
 * app.use(prof.express())
 */
import { toExpress } from './adapters/express.ts'
import { toFastify } from './adapters/fastify.ts'
import { type HonoHandler, type HonoMiddleware, toHono, toHonoHandler } from './adapters/hono.ts'
import { type CachePageOptions, cachePageMiddleware, cachePage as fetchCachePage } from './cache-page.ts'

/** `cachePage(options, handler)` for Fetch handlers, plus `.express`, `.fastify`, `.hono` and `.middleware`. */
export const cachePage = Object.assign(fetchCachePage, {
  /** The Fetch middleware itself. */
  middleware: cachePageMiddleware,
  /** Express 5 middleware: `app.get('/posts', cachePage.express({ ttl, cache }), handler)`. */
  express: (options: CachePageOptions) => toExpress(cachePageMiddleware(options)),
  /** A Fastify 5 plugin for the routes of the scope it is registered in. */
  fastify: (options: CachePageOptions) => toFastify(cachePageMiddleware(options)),
  /**
   * Hono 4: middleware, `app.get('/posts', cachePage.hono({ ttl, cache }), (c) => …)`; or, given the handler too, one
   * handler, `app.get('/posts', cachePage.hono({ ttl, cache }, (c) => …))`, which Hono runs without its middleware
   * chain (a memory-cache hit then makes no promise at all).
   */
  hono: honoCachePage,
})

function honoCachePage(options: CachePageOptions): HonoMiddleware
/** `handler`'s context is Hono's `Context`, from the route it is given to. */
function honoCachePage<H extends HonoHandler>(options: CachePageOptions, handler: H): H
function honoCachePage<H extends HonoHandler>(options: CachePageOptions, handler?: H): HonoMiddleware | H {
  const mw = cachePageMiddleware(options)
  return handler ? toHonoHandler(mw, handler) : toHono(mw)
}

export type { Report, RequestDetail, RequestSummary } from '../profiler/request-record.ts'
export { ShapeStore } from '../profiler/store.ts'
export { type ExpressMiddleware, toExpress } from './adapters/express.ts'
export { toFastify } from './adapters/fastify.ts'
export { type HonoContextLike, type HonoHandler, type HonoMiddleware, toHono, toHonoHandler } from './adapters/hono.ts'
export type { CachePageOptions, PageDependency } from './cache-page.ts'
export { type FetchHandler, type FetchMiddleware, knownBody, materialize } from './fetch-middleware.ts'
export type { ClientInfo } from './profiler/access.ts'
export { type ProfiledHandler, type Profiler, type ProfilerOptions, profiler } from './profiler/profiler.ts'

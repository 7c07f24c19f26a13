import type { IncomingMessage } from 'node:http'
import type { Database } from '../../database.ts'
import { InvalidValueError, QuarryError } from '../../errors.ts'
import { Collector } from '../../profiler/collector.ts'
import { ShapeStore, type ShapeStoreOptions } from '../../profiler/store.ts'
import { type ExpressMiddleware, toExpress } from '../adapters/express.ts'
import { type FastifyAdapter, type FastifyHooks, toFastify } from '../adapters/fastify.ts'
import { type HonoMiddleware, toHono } from '../adapters/hono.ts'
import {
  type ClientInfo,
  clientInfo,
  currentClient,
  isLoopback,
  recordedUrl,
  sameOrigin,
  withClient,
} from './access.ts'
import { DASHBOARD_CSS } from './ui/dashboard-css.ts'
import { SECURITY_HEADERS } from './ui/html.ts'
import { listPage, notFoundPage, requestPage, type SortKey } from './ui/pages.ts'

export interface ProfilerOptions {
  /** Where the dashboard answers (`/__quarry`). */
  path?: string
  /** Statements at or above this many ms are flagged slow and explained (100). */
  slowMs?: number
  /** Requests kept in memory (500). */
  keep?: number
  /** Statements kept per request in detail (500); the rest are counted. */
  maxQueries?: number
  /** Runs of one shape with different values that flag "similar" (5). */
  similarAt?: number
  /** Capture a stack per statement (at most `maxStacks` per request). Off: each capture costs microseconds. */
  stacks?: boolean
  maxStacks?: number
  /** A JSON-lines file of statement shapes for `quarry advise` (or a `ShapeStore`). No values are ever written. */
  store?: string | ShapeStore | undefined
  storeOptions?: ShapeStoreOptions
  /** Show each statement's values in the dashboard and its JSON (in memory only; the store never has them). Off. */
  logParams?: boolean
  /** Record and serve at all. Default: `process.env.NODE_ENV !== 'production'`. */
  enabled?: boolean
  /** Who may open the dashboard. Default: loopback clients that did not come through a proxy. */
  allow?: (req: Request) => boolean
}

/** A Fetch-API handler; extra arguments (a context, `{ remoteAddress }`) are passed through. */
export type ProfiledHandler<R extends any[] = any[]> = (req: Request, ...rest: R) => Response | Promise<Response>

/** The profiler of one database (API.md §8). */
export interface Profiler {
  readonly enabled: boolean
  /** Dashboard path without a trailing slash. */
  readonly path: string
  readonly collector: Collector
  /**
   * Profile a Fetch-API handler: each request's statements are recorded, and the dashboard's own paths are
   * answered. Pass the client's address as `{ remoteAddress }` after the request, as node:http bridges do.
   *
   * @example
   * export const GET = prof.wrap(async (req) => Response.json(await db.Post.all()))
   */
  wrap<R extends unknown[]>(handler: (req: Request, ...rest: R) => Response | Promise<Response>): ProfiledHandler<R>
  /**
   * The same as a Fetch middleware `(req, next) => Response` (what the framework adapters take): answers the
   * dashboard's paths, records everything `next` runs as one request.
   */
  middleware(): (req: Request, next: (req: Request) => Promise<Response>, info?: ClientInfo) => Promise<Response>
  /**
   * Express 5 middleware: `app.use(prof.express())` before the routes. Records every request that passes and
   * answers the dashboard's paths.
   */
  express(): ExpressMiddleware
  /**
   * Fastify 5 hooks: `app.register(prof.fastify.plugin)` for every route of the scope (the dashboard needs it on
   * the root scope), or `app.get('/posts', prof.fastify, handler)` for one route.
   */
  readonly fastify: FastifyAdapter
  /** Hono 4 middleware: `app.use(prof.hono())` before the routes. */
  hono(): HonoMiddleware
  /** The dashboard alone: a response for its paths, `undefined` for any other request. */
  dashboard(req: Request, info?: ClientInfo): Promise<Response | undefined>
  /** Stop listening and flush the store. */
  close(): Promise<void>
}

/**
 * Profile the requests of an app using `db`.
 *
 * @example
 * import { profiler } from 'quarry/http'
 * const prof = profiler(db, { path: '/__quarry', slowMs: 100, keep: 500, store: '.quarry/profile.jsonl' })
 * export const GET = prof.wrap(handler)
 */
export function profiler(db: Database, options: ProfilerOptions = {}): Profiler {
  const path = normalisePath(options.path ?? '/__quarry')
  const enabled = options.enabled ?? process.env.NODE_ENV !== 'production'
  const store = typeof options.store === 'string' ? new ShapeStore(options.store, options.storeOptions) : options.store
  const collector = new Collector(db, {
    slowMs: options.slowMs,
    keep: options.keep,
    maxQueries: options.maxQueries,
    similarAt: options.similarAt,
    stacks: options.stacks,
    maxStacks: options.maxStacks,
    store,
    logParams: options.logParams,
  })
  if (enabled) collector.start()
  const allow = options.allow

  const dashboard = async (req: Request, info?: ClientInfo): Promise<Response | undefined> => {
    if (!enabled) return undefined
    const url = new URL(req.url)
    if (url.pathname !== path && !url.pathname.startsWith(`${path}/`)) return undefined
    // Not "forbidden": a stranger should not learn that a profiler is there.
    if (!(allow ? allow(req) : isLoopback(req, info))) return new Response('Not Found', { status: 404 })
    return route(req, url, url.pathname.slice(path.length) || '/', path, collector)
  }

  const middleware = async (
    req: Request,
    next: (req: Request) => Promise<Response>,
    info?: ClientInfo,
  ): Promise<Response> => {
    if (!enabled) return next(req)
    const own = await dashboard(req, info ?? currentClient())
    if (own) return own
    return collector.record(
      req.method,
      recordedUrl(new URL(req.url)),
      () => next(req),
      (r) => r.status,
    )
  }

  // The adapters build the Fetch Request themselves, without the peer: hand its address down beside it.
  const toExpressMw = toExpress(middleware)
  const express: ExpressMiddleware = (req, res, next) =>
    withClient({ remoteAddress: req.socket?.remoteAddress }, () => toExpressMw(req, res, next))
  const fastifyHooks = toFastify(middleware)
  const onRequest: FastifyHooks['onRequest'] = (req, reply, done) => {
    const raw = (req as { raw?: IncomingMessage }).raw
    withClient({ remoteAddress: raw?.socket?.remoteAddress }, () => fastifyHooks.onRequest(req, reply, done))
  }
  const plugin: FastifyAdapter['plugin'] = (instance, _opts, done) => {
    instance.addHook('onRequest', onRequest)
    instance.addHook('onSend', fastifyHooks.onSend)
    done()
  }
  // As the adapter's own plugin: the hooks apply to the scope that registers it (so the root scope's 404s too).
  ;(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true
  const fastify = Object.defineProperty({ onRequest, onSend: fastifyHooks.onSend }, 'plugin', {
    value: plugin,
    enumerable: false,
  }) as FastifyAdapter
  const toHonoMw = toHono(middleware)
  const hono: HonoMiddleware = (c, next) => {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
    return withClient({ remoteAddress: incoming?.socket?.remoteAddress }, () => toHonoMw(c, next))
  }

  return {
    enabled,
    path,
    collector,
    express: () => express,
    fastify,
    hono: () => hono,
    wrap<R extends unknown[]>(handler: (req: Request, ...rest: R) => Response | Promise<Response>) {
      if (typeof handler !== 'function') throw new InvalidValueError('prof.wrap(handler) takes a function.')
      if (!enabled) return handler
      return (req: Request, ...rest: R): Promise<Response> =>
        middleware(req, async (r) => handler(r, ...rest), clientInfo(rest))
    },
    middleware: () => middleware,
    dashboard,
    close: () => collector.stop(),
  }
}

async function route(req: Request, url: URL, sub: string, base: string, c: Collector): Promise<Response> {
  const method = req.method
  if (method === 'GET' && sub === '/assets/dashboard.css')
    return new Response(DASHBOARD_CSS, { headers: { ...SECURITY_HEADERS, 'content-type': 'text/css; charset=utf-8' } })
  if (method === 'GET' && sub === '/assets/favicon.svg')
    return new Response(FAVICON, { headers: { ...SECURITY_HEADERS, 'content-type': 'image/svg+xml' } })
  if (method === 'GET' && sub === '/api/requests') return json(c.list())
  let m = /^\/api\/requests\/(\d+)$/.exec(sub)
  if (method === 'GET' && m) {
    const d = c.get(m[1]!)
    return d ? json(d) : json({ error: 'No such request (it may have been dropped: keep).' }, 404)
  }
  m = /^\/api\/requests\/(\d+)\/queries\/(\d+)\/explain$/.exec(sub)
  if (method === 'POST' && m) {
    if (!sameOrigin(req)) return json({ error: 'Cross-site request refused.' }, 403)
    try {
      return json({ plan: await c.explain(m[1]!, Number(m[2])) })
    } catch (e) {
      return json({ error: message(e) }, e instanceof QuarryError ? 400 : 500)
    }
  }
  if (method === 'GET' && (sub === '/' || sub === '')) {
    const sort = (['recent', 'time', 'queries', 'flags'] as const).find((s) => s === url.searchParams.get('sort'))
    return html(listPage(base, c.list(), (sort ?? 'recent') as SortKey))
  }
  m = /^\/requests\/(\d+)$/.exec(sub)
  if (method === 'GET' && m) {
    const d = c.get(m[1]!)
    return d ? html(requestPage(base, d)) : html(notFoundPage(base, `Request ${m[1]} is gone (keep).`), 404)
  }
  m = /^\/requests\/(\d+)\/queries\/(\d+)\/explain$/.exec(sub)
  if (method === 'POST' && m) {
    if (!sameOrigin(req)) return html(notFoundPage(base, 'Cross-site request refused.'), 403)
    const d = c.get(m[1]!)
    if (!d) return html(notFoundPage(base, `Request ${m[1]} is gone (keep).`), 404)
    const n = Number(m[2])
    try {
      return html(requestPage(base, d, { n, plan: await c.explain(m[1]!, n) }))
    } catch (e) {
      return html(requestPage(base, d, { n, error: message(e) }), 400)
    }
  }
  return html(notFoundPage(base, 'No such page.'), 404)
}

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#3558d4"/><path d="M4 11h8M4 8h5M4 5h8" stroke="#fff" stroke-width="1.6"/></svg>'

function message(e: unknown): string {
  // Database errors name the statement, never values (errors.ts); anything else is not shown.
  return e instanceof QuarryError ? e.message : 'EXPLAIN failed.'
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' },
  })
}

function html(body: string, status = 200): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' } })
}

function normalisePath(p: string): string {
  if (typeof p !== 'string' || !p.startsWith('/'))
    throw new InvalidValueError(`profiler({ path }) takes a path starting with '/', like '/__quarry'.`)
  return p.replace(/\/+$/, '') || '/__quarry'
}

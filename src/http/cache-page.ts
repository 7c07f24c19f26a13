import { createHash } from 'node:crypto'
import type { BaseCache } from '../cache/base-cache.ts'
import type { Generations } from '../cache/generations.ts'
import { CacheError, ImproperlyConfigured } from '../errors.ts'
import {
  type FetchHandler,
  type FetchMiddleware,
  fastPaths,
  knownBody,
  materialize,
  type RawReply,
} from './fetch-middleware.ts'

/** A model manager (`db.Post`) whose writes should drop the pages. */
export interface PageDependency {
  readonly state: { readonly model: { readonly table: string } }
  /** The manager's database; its query cache holds the table generations. */
  readonly db: object
}

const queryCacheOf = (d: PageDependency) =>
  (d.db as { readonly queryCache?: { readonly generations: Generations } }).queryCache

export interface CachePageOptions {
  /** Seconds a page is kept (and `Cache-Control: max-age`) unless the response sets its own max-age. */
  ttl: number
  cache: BaseCache
  /** Drop the cached pages whenever one of these models' tables is written (needs `connect(…, { cache })`). */
  dependsOn?: readonly PageDependency[] | undefined
  /** Keeps the keys of several cachePage uses apart (default `page`). */
  keyPrefix?: string | undefined
  /**
   * Across processes (a shared cache such as Redis): one process computes a missing page while the others poll
   * for it, up to `waitMs` (then compute it themselves). Within one process misses are always single-flight.
   */
  lock?: boolean | { timeoutMs?: number; waitMs?: number } | undefined
}

interface StoredPage {
  /** Status, header pairs, body, stored at (epoch ms), generations of `dependsOn` when stored. */
  s: number
  h: [string, string][]
  b: Uint8Array
  t: number
  g: string[]
}

/** A page just computed, with the variant it was stored under (for the requests that waited for it). */
interface Computed extends StoredPage {
  variant: string
  vary: string[]
}

// Not replayed from the cache: they belong to one connection or one response.
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'age', 'x-cache', 'content-length'])

/**
 * Cache whole pages, after Django's `cache_page`: only GET/HEAD 200 responses that are not private, no-store or
 * no-cache and set no cookie; keyed on method, full URL and the request headers the response names in `Vary`.
 * Misses get `Cache-Control: max-age` and `Expires`; hits replay the stored bytes and headers with `Age`; an
 * ETag (added if missing) answers `If-None-Match` with 304. Concurrent misses of one page compute it once.
 * With `dependsOn`, a write to those models' tables drops the pages (per-table generations, in every process
 * sharing the cache). `X-Cache: HIT | MISS` says which happened.
 *
 * @example
 * export const GET = cachePage({ ttl: 900, cache, dependsOn: [db.Post] }, async (req: Request) => render())
 * app.get('/posts', cachePage.express({ ttl: 900, cache }), handler)   // and .fastify / .hono
 */
export function cachePage(options: CachePageOptions, handler: FetchHandler): FetchHandler {
  const mw = cachePageMiddleware(options)
  const next = async (req: Request) => handler(req)
  return async (req) => materialize(await mw(req, next))
}

/** The Fetch middleware behind `cachePage` and its adapters. */
export function cachePageMiddleware(options: CachePageOptions): FetchMiddleware {
  const { cache } = options
  if (!cache || typeof (cache as Partial<BaseCache>).readMany !== 'function')
    throw new ImproperlyConfigured('cachePage({ cache }) takes a cache from createCache() (quarry/cache).')
  if (typeof options.ttl !== 'number' || !(options.ttl >= 0))
    throw new CacheError('CACHE_OPTION', 'cachePage({ ttl }) takes seconds, a number ≥ 0.')
  const prefix = options.keyPrefix ?? 'page'
  const deps = options.dependsOn ?? []
  const tables = deps.map((d) => d.state.model.table)
  let gens: Generations | undefined
  if (deps.length) {
    const qc = queryCacheOf(deps[0]!)
    if (!qc || deps.some((d) => queryCacheOf(d) !== qc))
      throw new ImproperlyConfigured(
        'cachePage({ dependsOn }) needs the models of one database connected with a cache: connect(url, schema, { cache }).',
      )
    gens = qc.generations
  }
  const inflight = new Map<string, Promise<Computed | null>>()
  // Decoded pages of recent hits, reused while the stored text is the same (no base64 decode per hit).
  const memo = new Map<string, { text: string; page: StoredPage }>()

  const k = (kind: string, text: string) => `${cache.prefix}:${prefix}:${kind}:${hash(text)}`

  /** The page stored under `key` as `text`: decoded once while the stored text stays the same. */
  function decoded(key: string, text: string): StoredPage {
    const m = memo.get(key)
    if (m !== undefined && m.text === text) return m.page
    const page = cache.decode(text) as StoredPage
    if (memo.size >= 256) memo.delete(memo.keys().next().value!)
    memo.set(key, { text, page })
    return page
  }

  const genKeys = tables.map((t) => gens!.key(t))
  const varyLists = new Map<string, string[]>()

  /** The key of the page variant for this request, from the stored list of `Vary` headers (parsed once per text). */
  function pageKey(varyText: string, base: string, header: Header): string {
    let vary = varyLists.get(varyText)
    if (vary === undefined) {
      vary = JSON.parse(varyText) as string[]
      if (varyLists.size >= 256) varyLists.clear()
      varyLists.set(varyText, vary)
    }
    return k('page', variantOf(base, vary, header))
  }

  /** The page stored as `text`, if the generations read with it (from `at` on in `now`) are those it was stored under. */
  function current(key: string, text: string, now: readonly (string | undefined)[], at: number) {
    const page = decoded(key, text)
    for (let i = 0; i < tables.length; i++) if (now[at + i] !== page.g[i]) return { key }
    return { page, key }
  }

  /** The stored page for this request, if current. */
  async function lookup(header: Header, base: string): Promise<{ page?: StoredPage; key?: string }> {
    const varyText = await cache.bounded('get', cache.readRaw(k('vary', base)))
    if (varyText === undefined) return {}
    const key = pageKey(varyText, base, header)
    const texts = await cache.bounded('get', cache.readMany([key, ...genKeys]))
    const text = texts[0]
    if (text === undefined) return { key }
    return current(key, text, gens ? await gens.complete(tables, texts.slice(1)) : [], 0)
  }

  /**
   * `lookup` answered synchronously from an in-process cache (`readManyNow`): undefined when it cannot decide
   * without waiting (a generation missing from the cache has to be created), and then the async lookup runs.
   */
  const readNow = cache.inProcess ? cache.readManyNow?.bind(cache) : undefined
  function lookupNow(
    read: NonNullable<typeof readNow>,
    header: Header,
    base: string,
  ): { page?: StoredPage; key?: string } | undefined {
    const varyText = read([k('vary', base)])[0]
    if (varyText === undefined) return {}
    const key = pageKey(varyText, base, header)
    const texts = read(genKeys.length ? [key, ...genKeys] : [key])
    const text = texts[0]
    if (text === undefined) return { key }
    for (let i = 1; i < texts.length; i++) if (texts[i] === undefined) return undefined
    return current(key, text, texts, 1)
  }

  async function compute(req: Request, base: string, next: (r: Request) => Promise<Response>) {
    // Generations are read before the page is computed: a write during the computation leaves it stale by record.
    const before = gens ? await gens.read(tables).catch(() => undefined) : []
    const res = await next(req)
    const ttl = cacheableFor(res, options.ttl)
    if (ttl === 0 || before === undefined) return { res, page: null }
    const body = new Uint8Array(await res.arrayBuffer())
    const headers: [string, string][] = []
    res.headers.forEach((v, name) => {
      if (!HOP.has(name)) headers.push([name, v])
    })
    const has = (n: string) => headers.some(([h]) => h === n)
    if (!has('cache-control')) headers.push(['cache-control', `max-age=${ttl}`])
    if (!has('expires')) headers.push(['expires', new Date(Date.now() + ttl * 1000).toUTCString()])
    if (!has('etag')) headers.push(['etag', `"${createHash('sha1').update(body).digest('base64url')}"`])
    const page: StoredPage = { s: res.status, h: headers, b: body, t: Date.now(), g: before }
    const vary = varyOf(res)
    try {
      await cache.bounded('set', cache.writeRaw(k('vary', base), JSON.stringify(vary), ttl * 1000))
      const key = k('page', variantOf(base, vary, headerOf(req)))
      await cache.bounded('set', cache.writeRaw(key, cache.encode(page), ttl * 1000))
    } catch (e) {
      cache.report('set', e)
    }
    return { res: null, page: { ...page, variant: variantOf(base, vary, headerOf(req)), vary } }
  }

  const middleware: FetchMiddleware = async (req, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(req)
    const base = `${req.method} ${req.url}`
    const header = headerOf(req)
    let found: { page?: StoredPage; key?: string } = {}
    try {
      found = await lookup(header, base)
    } catch (e) {
      cache.report('get', e)
    }
    if (found.page) return toResponse(replay(found.page, req.method, header, true))
    // One computation per page in this process; the others wait for it.
    const flightKey = found.key ?? base
    const flight = inflight.get(flightKey)
    if (flight) {
      const page = await flight.catch(() => null)
      // The leader's page serves a waiter only if the waiter's own varying headers pick the same variant.
      if (page && variantOf(base, page.vary, header) === page.variant)
        return toResponse(replay(page, req.method, header, false))
      return next(req)
    }
    let release: (() => Promise<void>) | undefined
    if (options.lock && cache.sharedLocks) {
      const other = await waitForOther(flightKey, header, base)
      if (other.page) return toResponse(replay(other.page, req.method, header, true))
      release = other.release
    }
    let mine: Response | null = null
    const p = compute(req, base, next).then(({ res, page }) => {
      mine = res
      return page
    })
    inflight.set(flightKey, p)
    try {
      const page = await p
      return page ? toResponse(replay(page, req.method, header, false)) : mine!
    } finally {
      inflight.delete(flightKey)
      await release?.()
    }
  }
  /**
   * With `lock`: take the page's lock, or wait for the process holding it to store the page. Returns the page
   * another process stored, or how to release the lock this process took to compute it (nothing if it gave up
   * waiting). An abandoned lock expires after `timeoutMs`.
   */
  async function waitForOther(
    flightKey: string,
    header: Header,
    base: string,
  ): Promise<{ page?: StoredPage; release?: () => Promise<void> }> {
    const o = typeof options.lock === 'object' ? options.lock : {}
    const lockKey = k('lock', flightKey)
    const token = `${process.pid}:${Math.random().toString(36).slice(2)}`
    const deadline = performance.now() + (o.waitMs ?? 10_000)
    let pause = 5
    try {
      for (;;) {
        const mine = await cache.bounded('lock', cache.lockRaw(lockKey, token, o.timeoutMs ?? 10_000))
        // Look after taking the lock too: the previous holder may have stored the page and let go meanwhile.
        const { page } = await lookup(header, base)
        const release = () =>
          cache.bounded('lock', cache.unlockRaw(lockKey, token)).catch((e) => cache.report('lock', e))
        if (page) {
          if (mine) await release()
          return { page }
        }
        if (mine) return { release }
        if (performance.now() >= deadline) return {}
        await new Promise((r) => setTimeout(r, pause))
        pause = Math.min(pause * 2, 100)
      }
    } catch (e) {
      cache.report('lock', e)
      return {}
    }
  }

  // Node adapters answer hits from here without building a Request or a Response; from a memory cache, without a
  // promise either (W10: each hop showed in a hit's server CPU).
  fastPaths.set(middleware, (method, url, header) => {
    if (method !== 'GET' && method !== 'HEAD') return undefined
    const base = `${method} ${url}`
    if (readNow) {
      const found = lookupNow(readNow, header, base)
      if (found !== undefined) return found.page && replay(found.page, method, header, true)
    }
    return lookup(header, base).then(
      ({ page }) => page && replay(page, method, header, true),
      () => undefined, // the normal path reports it
    )
  })
  return middleware
}

/** Seconds to cache `res` for, or 0 if it must not be cached (Django's rules). */
function cacheableFor(res: Response, ttl: number): number {
  if (res.status !== 200) return 0
  if (res.headers.has('set-cookie')) return 0
  const cc = (res.headers.get('cache-control') ?? '').toLowerCase()
  if (/\b(?:private|no-store|no-cache)\b/.test(cc)) return 0
  if ((res.headers.get('vary') ?? '').includes('*')) return 0
  const m = /\bmax-age=(\d+)/.exec(cc)
  return m ? Number(m[1]) : Math.floor(ttl)
}

function varyOf(res: Response): string[] {
  const v = res.headers.get('vary')
  if (!v) return []
  return [...new Set(v.split(',').map((s) => s.trim().toLowerCase()))].filter(Boolean).sort()
}

type Header = (name: string) => string | null
const headerOf =
  (req: Request): Header =>
  (name) =>
    req.headers.get(name)

function variantOf(base: string, vary: readonly string[], header: Header): string {
  if (vary.length === 0) return base
  return `${base}\n${vary.map((h) => `${h}:${header(h) ?? ''}`).join('\n')}`
}

/** Short keys are used as they are (no hashing on a hit's path); long ones are hashed to bound the key size. */
function hash(text: string): string {
  return text.length <= 160 ? text : createHash('sha1').update(text).digest('base64url')
}

function replay(page: StoredPage, method: string, header: Header, hit: boolean): RawReply {
  const headers: [string, string][] = [...page.h, ['x-cache', hit ? 'HIT' : 'MISS']]
  if (hit) headers.push(['age', String(Math.max(0, Math.floor((Date.now() - page.t) / 1000)))])
  const etag = page.h.find(([n]) => n === 'etag')?.[1]
  const inm = header('if-none-match')
  // If-None-Match compares weakly (RFC 9110 §13.1.2): W/"x" matches "x".
  const bare = (t: string) => t.trim().replace(/^W\//, '')
  if (etag && inm?.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag)))
    return { status: 304, headers: headers.filter(([n]) => n !== 'content-type'), body: null }
  headers.push(['content-length', String(page.b.byteLength)])
  if (method === 'HEAD') return { status: page.s, headers, body: null }
  return { status: page.s, headers, body: page.b, text: textOf(page) }
}

const texts = new WeakMap<StoredPage, string | undefined>()
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The body of a text page as a string (decoded once per stored page), or undefined for bytes that are not UTF-8. */
function textOf(page: StoredPage): string | undefined {
  if (texts.has(page)) return texts.get(page)
  const type = page.h.find(([n]) => n === 'content-type')?.[1] ?? ''
  let text: string | undefined
  if (/^text\/|json|xml|javascript/i.test(type) && !/charset=(?!utf-?8)/i.test(type))
    try {
      text = utf8.decode(page.b)
    } catch {}
  texts.set(page, text)
  return text
}

function toResponse(reply: RawReply): Response {
  // Built without its body (see knownBody): adapters write the stored bytes as they are.
  const res = new Response(null, { status: reply.status, headers: reply.headers as [string, string][] })
  if (reply.body) knownBody.set(res, reply.body)
  return res
}

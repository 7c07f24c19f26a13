import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { bodyOf, type FetchMiddleware, fastPaths, knownBody, withFastReply } from '../fetch-middleware.ts'
import { fetchRequest, fullUrl, headerEntries, nodeHeader, writeRaw } from './node-request.ts'

/** The part of Express's request, response and `next` the adapter uses (no dependency on express itself). */
export type ExpressMiddleware = (
  req: IncomingMessage & { originalUrl?: string; protocol?: string },
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void

/**
 * Express (5) middleware from a Fetch middleware. When the middleware calls `next`, the rest of the Express chain
 * runs and whatever it writes is captured into a Fetch `Response` (status, headers, body) instead of being sent;
 * the Response the middleware returns is what goes out.
 *
 * @example
 * app.get('/posts', toExpress(cachePageMiddleware({ ttl: 900, cache })), handler)
 */
export function toExpress(mw: FetchMiddleware): ExpressMiddleware {
  const fast = fastPaths.get(mw)
  const slow: ExpressMiddleware = (req, res, nextExpress) => {
    const request = fetchRequest(
      req.method ?? 'GET',
      req.originalUrl ?? req.url ?? '/',
      req.headers,
      req.protocol === 'https',
    )
    let restore: (() => void) | undefined
    const next = () =>
      new Promise<Response>((resolve, reject) => {
        restore = capture(res, resolve)
        try {
          nextExpress()
        } catch (e) {
          reject(e)
        }
      })
    mw(request, next).then(
      async (response) => {
        restore?.()
        await send(res, response)
      },
      (err) => {
        restore?.()
        nextExpress(err)
      },
    )
  }
  if (!fast) return slow
  return (req, res, nextExpress) => {
    const method = req.method ?? 'GET'
    const url = fullUrl(req.originalUrl ?? req.url ?? '/', req.headers, req.protocol === 'https')
    withFastReply(fast, method, url, nodeHeader(req.headers), (reply) =>
      reply ? writeRaw(res, reply) : slow(req, res, nextExpress),
    )
  }
}

/** Turn what the rest of the chain writes on `res` into a Response, without sending anything. */
function capture(res: ServerResponse, done: (r: Response) => void): () => void {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders }
  const chunks: Buffer[] = []
  const add = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return
    chunks.push(
      typeof chunk === 'string'
        ? Buffer.from(chunk, (encoding as BufferEncoding) || 'utf8')
        : Buffer.from(chunk as Uint8Array),
    )
  }
  // Each replacement is declared, then stored: a function literal assigned straight to a property is allocated in V8's
  // old generation, where, once dead, it keeps this response alive through scavenges (bench/notes.md, twelfth pass).
  const writeHead = (status: number, ...rest: unknown[]) => {
    res.statusCode = status
    const headers = rest.find((x) => typeof x === 'object' && x !== null) as OutgoingHttpHeaders | undefined
    if (headers) for (const [k, v] of Object.entries(headers)) if (v !== undefined) res.setHeader(k, v)
    return res
  }
  const flushHeaders = () => {}
  const write = (chunk: unknown, encoding?: unknown, cb?: unknown) => {
    add(chunk, encoding)
    const callback = [encoding, cb].find((x) => typeof x === 'function') as (() => void) | undefined
    callback?.()
    return true
  }
  const end = (chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    add(chunk, encoding)
    const headers = new Headers()
    for (const name of res.getHeaderNames()) {
      const v = res.getHeader(name)
      if (v === undefined) continue
      if (Array.isArray(v)) for (const x of v) headers.append(name, x)
      else headers.set(name, String(v))
    }
    const status = res.statusCode
    const body = status === 204 || status === 304 ? null : Buffer.concat(chunks)
    done(new Response(body, { status, statusText: res.statusMessage, headers }))
    const callback = [chunk, encoding, cb].find((x) => typeof x === 'function') as (() => void) | undefined
    callback?.()
    return res
  }
  const r = res as unknown as Record<string, unknown>
  r.writeHead = writeHead
  r.flushHeaders = flushHeaders
  r.write = write
  r.end = end
  return () => Object.assign(res, original)
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  if (res.headersSent) return
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  res.statusCode = response.status
  for (const [k, v] of headerEntries(response)) res.setHeader(k, v)
  if (response.body === null && !knownBody.has(response)) return void res.end()
  res.end(await bodyOf(response))
}

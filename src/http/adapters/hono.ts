import type { IncomingHttpHeaders } from 'node:http'
import {
  type FastPath,
  type FetchMiddleware,
  fastPaths,
  materialize,
  type RawReply,
  tryFast,
} from '../fetch-middleware.ts'
import { nodeHeader } from './node-request.ts'

/** The part of Hono's context the adapter uses (no dependency on hono itself). */
export interface HonoContextLike {
  req: { raw: Request }
  res: Response
  /** On @hono/node-server: `{ incoming, outgoing }`, the Node request and response. */
  env?: unknown
}
export type HonoMiddleware = (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | undefined>

/**
 * A Hono handler: answers with a Response (or a promise of one). Its context is `any` here so that a handler written
 * in place takes Hono's own `Context` type from the route it is given to (quarry does not depend on hono's types).
 */
export type HonoHandler = (c: any, next: () => Promise<void>) => Response | Promise<Response>

/**
 * The Response for a shortcut's reply. Headers as a plain record and the body as a string or bytes: @hono/node-server's
 * own Response keeps them as they are and writes them straight to the socket (an array or a Headers object goes
 * through a Headers round trip first). The stored headers never repeat a name (Fetch joins repeats; Set-Cookie pages
 * are not stored).
 */
function replyResponse(reply: RawReply): Response {
  const headers: Record<string, string> = {}
  for (const [name, value] of reply.headers) headers[name] = value
  return new Response(reply.text ?? (reply.body as Uint8Array<ArrayBuffer> | null), { status: reply.status, headers })
}

/** The middleware's shortcut for this request: a Response, undefined (take the normal path), or a promise of either. */
function fastResponse(fast: FastPath, c: HonoContextLike): Response | undefined | Promise<Response | undefined> {
  const raw = c.req.raw
  // On Node, read headers from the IncomingMessage: @hono/node-server builds `raw.headers` only when asked.
  const incoming = (c.env as { incoming?: { headers?: IncomingHttpHeaders } } | undefined)?.incoming?.headers
  const header = incoming ? nodeHeader(incoming) : (name: string) => raw.headers.get(name)
  const answer = tryFast(fast, raw.method, raw.url, header)
  if (answer instanceof Promise) return answer.then((r) => (r ? replyResponse(r) : undefined))
  return answer ? replyResponse(answer) : undefined
}

/**
 * `mw` the normal way: it sees the Fetch request, and `nextHono` runs the rest of the route. The Response to return
 * when `mw` answered without the route; undefined when the route ran (its response, as `mw` changed it, is then in
 * `c.res`).
 */
async function viaFetch(mw: FetchMiddleware, c: HonoContextLike, nextHono: () => Promise<void>) {
  let ran = false
  const response = materialize(
    await mw(c.req.raw, async () => {
      ran = true
      await nextHono()
      return c.res
    }),
  )
  if (!ran) return response
  // Assigning c.res merges the old response's headers into the new one; start from none.
  const ctx = c as { res: Response | undefined }
  ctx.res = undefined
  ctx.res = response
  return undefined
}

/**
 * Hono (4) middleware from a Fetch middleware: Hono is Fetch-native, so the request and response pass through.
 *
 * @example
 * app.get('/posts', toHono(cachePageMiddleware({ ttl: 900, cache })), (c) => c.html(render()))
 */
export function toHono(mw: FetchMiddleware): HonoMiddleware {
  const fast = fastPaths.get(mw)
  return async (c, nextHono) => {
    if (fast) {
      const r = fastResponse(fast, c)
      const response = r instanceof Promise ? await r : r
      if (response) return response
    }
    return viaFetch(mw, c, nextHono)
  }
}

/**
 * One Hono handler: the Fetch middleware `mw` around `handler`. Hono runs a route of one handler without its
 * middleware chain (no `compose`, no promise per step), and a middleware shortcut that answers at once (a cachePage
 * hit on a memory cache) returns its Response synchronously, so no promise is made for it at all. Otherwise the same
 * as `toHono(mw)` followed by `handler`.
 *
 * @example
 * app.get('/posts', toHonoHandler(cachePageMiddleware({ ttl: 900, cache }), (c) => c.html(render())))
 */
export function toHonoHandler<H extends HonoHandler>(mw: FetchMiddleware, handler: H): H {
  const fast = fastPaths.get(mw)
  const full = async (c: HonoContextLike, next: () => Promise<void>): Promise<Response> => {
    const answered = await viaFetch(mw, c, async () => {
      c.res = await handler(c, next)
    })
    return answered ?? c.res
  }
  if (!fast) return full as H
  return ((c: HonoContextLike, next: () => Promise<void>) => {
    const r = fastResponse(fast, c)
    if (r instanceof Promise) return r.then((response) => response ?? full(c, next))
    return r ?? full(c, next)
  }) as H
}

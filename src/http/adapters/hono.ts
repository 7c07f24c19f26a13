import type { IncomingHttpHeaders } from 'node:http'
import { type FetchMiddleware, fastPaths, materialize, tryFast } from '../fetch-middleware.ts'
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
 * Hono (4) middleware from a Fetch middleware: Hono is Fetch-native, so the request and response pass through.
 *
 * @example
 * app.get('/posts', toHono(cachePageMiddleware({ ttl: 900, cache })), (c) => c.html(render()))
 */
export function toHono(mw: FetchMiddleware): HonoMiddleware {
  const fast = fastPaths.get(mw)
  return async (c, nextHono) => {
    if (fast) {
      const raw = c.req.raw
      // On Node, read headers from the IncomingMessage: @hono/node-server builds `raw.headers` only when asked.
      const incoming = (c.env as { incoming?: { headers?: IncomingHttpHeaders } } | undefined)?.incoming?.headers
      const header = incoming ? nodeHeader(incoming) : (name: string) => raw.headers.get(name)
      const answer = tryFast(fast, raw.method, raw.url, header)
      const reply = answer instanceof Promise ? await answer : answer
      if (reply) {
        // Headers as a plain record and the body as a string or bytes: @hono/node-server's own Response keeps
        // them as they are and writes them straight to the socket (an array or a Headers object goes through a
        // Headers round trip first). The stored headers never repeat a name (Fetch joins repeats; Set-Cookie
        // pages are not stored).
        const headers: Record<string, string> = {}
        for (const [name, value] of reply.headers) headers[name] = value
        return new Response(reply.text ?? (reply.body as Uint8Array<ArrayBuffer> | null), {
          status: reply.status,
          headers,
        })
      }
    }
    let ran = false
    const response = materialize(
      await mw(c.req.raw, async () => {
        ran = true
        await nextHono()
        return c.res
      }),
    )
    if (!ran)
      return response
      // Assigning c.res merges the old response's headers into the new one; start from none.
    ;(c as { res: Response | undefined }).res = undefined
    c.res = response
    return undefined
  }
}

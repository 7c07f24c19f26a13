import { type FetchMiddleware, fastPaths, materialize } from '../fetch-middleware.ts'

/** The part of Hono's context the adapter uses (no dependency on hono itself). */
export interface HonoContextLike {
  req: { raw: Request }
  res: Response
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
      const reply = await fast(raw.method, raw.url, (name) => raw.headers.get(name)).catch(() => undefined)
      if (reply)
        return new Response(reply.body as Uint8Array<ArrayBuffer> | null, {
          status: reply.status,
          headers: reply.headers as [string, string][],
        })
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

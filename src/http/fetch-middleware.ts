/** A Fetch-API handler: the shape of Next.js route handlers, Hono, Deno, Bun and Cloudflare Workers. */
export type FetchHandler = (req: Request) => Response | Promise<Response>

/**
 * A Fetch-API middleware: sees the request, may answer it, or calls `next` and may change what comes back. The
 * framework adapters (`adapters/`) turn one of these into Express, Fastify or Hono middleware, so `cachePage`
 * and the profiler are written once.
 */
export type FetchMiddleware = (req: Request, next: (req: Request) => Promise<Response>) => Promise<Response>

/**
 * The body of a Response, held as bytes by the middleware that made it (a cached page). Building a Response
 * around a byte body costs ~60 µs on Node (it makes a stream); a cache hit instead returns a Response built
 * without its body and records the bytes here. Adapters write these bytes directly; `materialize` gives a
 * Response with the real body for Fetch consumers.
 */
export const knownBody = new WeakMap<Response, Uint8Array>()

/** The body of a Response as bytes (from `knownBody` when there). */
export async function bodyOf(res: Response): Promise<Uint8Array> {
  return knownBody.get(res) ?? new Uint8Array(await res.arrayBuffer())
}

/** A Response with its body in place (for handing to a Fetch runtime). */
export function materialize(res: Response): Response {
  const bytes = knownBody.get(res)
  if (bytes === undefined || res.body !== null) return res
  return new Response(bytes, { status: res.status, statusText: res.statusText, headers: res.headers })
}

/** A reply as plain data: what an adapter writes without building a Fetch `Response`. */
export interface RawReply {
  readonly status: number
  readonly headers: readonly (readonly [string, string])[]
  /** null: no body (304, HEAD). */
  readonly body: Uint8Array | null
  /**
   * The body as a string when it is valid UTF-8 text. Node writes a string body together with the headers in one
   * write; bytes go out as a second buffer of a writev (measurably slower per request). Same content either way.
   */
  readonly text?: string | undefined
}

/**
 * An optional shortcut a middleware can offer next to itself: answer from the method, the full URL and a header
 * getter, with no Fetch `Request` or `Response` built (a cached page: ~30 µs less per hit on Node). `undefined`
 * means "take the normal path". Adapters for Node frameworks try it first. The answer may come synchronously (a
 * hit on an in-process cache); a promise that rejects also means "take the normal path".
 */
export type FastPath = (
  method: string,
  url: string,
  header: (name: string) => string | null,
) => RawReply | undefined | Promise<RawReply | undefined>

/** `fast`'s answer, with a throw or a rejection read as "take the normal path": sync when `fast` answers at once. */
export function tryFast(
  fast: FastPath,
  method: string,
  url: string,
  header: (name: string) => string | null,
): RawReply | undefined | Promise<RawReply | undefined> {
  try {
    const r = fast(method, url, header)
    return r instanceof Promise ? r.catch(() => undefined) : r
  } catch {
    return undefined
  }
}

/** Hand `fast`'s answer to `done` (undefined: take the normal path), without a promise hop when it answers at once. */
export function withFastReply(
  fast: FastPath,
  method: string,
  url: string,
  header: (name: string) => string | null,
  done: (reply: RawReply | undefined) => void,
): void {
  const r = tryFast(fast, method, url, header)
  if (r instanceof Promise) r.then(done)
  else done(r)
}

export const fastPaths = new WeakMap<FetchMiddleware, FastPath>()

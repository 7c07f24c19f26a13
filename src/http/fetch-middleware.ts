/** A Fetch-API handler: the shape of Next.js route handlers, Hono, Deno, Bun and Cloudflare Workers. */
export type FetchHandler = (req: Request) => Response | Promise<Response>

/**
 * A Fetch-API middleware: sees the request, may answer it, or calls `next` and may change what comes back. The
 * framework adapters (`adapters/`) turn one of these into Express, Fastify or Hono middleware, so `cachePage`
 * and the profiler are written once.
 */
export type FetchMiddleware = (req: Request, next: (req: Request) => Promise<Response>) => Promise<Response>

/**
 * Bytes of a Response body that a middleware already holds (a cached page): adapters write them directly instead
 * of reading the body stream again.
 */
export const knownBody = new WeakMap<Response, Uint8Array>()

/** The body of a Response as bytes (from `knownBody` when there). */
export async function bodyOf(res: Response): Promise<Uint8Array> {
  return knownBody.get(res) ?? new Uint8Array(await res.arrayBuffer())
}

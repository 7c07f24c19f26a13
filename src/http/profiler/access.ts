import { AsyncLocalStorage } from 'node:async_hooks'

/** What the server knows about the client beside the Fetch `Request` (which has no remote address). */
export interface ClientInfo {
  /** The peer's IP address (`req.socket.remoteAddress` on node:http). */
  readonly remoteAddress?: string | undefined
}

/**
 * A loopback peer that did not come through a proxy. A proxy on the same machine makes every client look like
 * 127.0.0.1, so a forwarding header means "not known to be local" (django-debug-toolbar's INTERNAL_IPS trap).
 */
export function isLoopback(req: Request, info: ClientInfo | undefined): boolean {
  if (req.headers.has('forwarded') || req.headers.has('x-forwarded-for') || req.headers.has('x-real-ip')) return false
  const a = info?.remoteAddress
  if (!a) return false
  return a === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a)
}

const client = new AsyncLocalStorage<ClientInfo>()

/**
 * Run `fn` knowing the client: framework adapters build the Fetch `Request` themselves, so the profiler's adapter
 * wrappers hand the peer address down this way.
 */
export function withClient<T>(info: ClientInfo, fn: () => T): T {
  return client.run(info, fn)
}

export function currentClient(): ClientInfo | undefined {
  return client.getStore()
}

/** `ClientInfo` from a handler's extra arguments: `{ remoteAddress }`, or a Deno/Bun-style `{ remoteAddr }`. */
export function clientInfo(rest: readonly unknown[]): ClientInfo | undefined {
  const x = rest[0] as { remoteAddress?: unknown; remoteAddr?: { hostname?: unknown } } | undefined
  if (!x || typeof x !== 'object') return undefined
  if (typeof x.remoteAddress === 'string') return { remoteAddress: x.remoteAddress }
  if (typeof x.remoteAddr?.hostname === 'string') return { remoteAddress: x.remoteAddr.hostname }
  return undefined
}

/**
 * A state-changing dashboard request (EXPLAIN runs a statement) must come from the dashboard itself: a page on
 * another site can make the browser POST to localhost.
 */
export function sameOrigin(req: Request): boolean {
  // Browsers send Sec-Fetch-Site on every request: trust it when present; otherwise compare Origin.
  const site = req.headers.get('sec-fetch-site')
  if (site) return site === 'same-origin' || site === 'none'
  const origin = req.headers.get('origin')
  if (!origin) return true
  return origin === new URL(req.url).origin
}

/** The request's URL as recorded: path and parameter names; query values may be personal data. */
export function recordedUrl(url: URL): string {
  if (!url.search) return url.pathname
  const names = [...url.searchParams.keys()].map((k) => `${encodeURIComponent(k)}=…`)
  return `${url.pathname}?${names.join('&')}`
}

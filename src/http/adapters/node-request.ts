import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { RawReply } from '../fetch-middleware.ts'

/**
 * A Fetch `Request` for a Node request (Express, Fastify): method, full URL and headers. No body: the framework
 * keeps reading the body from its own request object, so the middleware must not need it.
 */
export function fetchRequest(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  secure: boolean,
  signal?: AbortSignal,
): Request {
  const h = new Headers()
  for (const name in headers) {
    const v = headers[name]
    if (v === undefined) continue
    if (Array.isArray(v)) for (const x of v) h.append(name, x)
    else h.set(name, v)
  }
  return new Request(fullUrl(url, headers, secure), signal ? { method, headers: h, signal } : { method, headers: h })
}

/** The absolute URL of a Node request, as `Request.url` would spell it. */
export function fullUrl(url: string, headers: IncomingHttpHeaders, secure: boolean): string {
  const raw = `${secure ? 'https' : 'http'}://${headers.host ?? 'localhost'}${url}`
  // Plain URLs are already in their normal form; others go through the URL parser like Request's.
  return /^[\w\-.:/?=&]*$/.test(raw) ? raw : new URL(raw).href
}

/** A header getter over Node's lower-cased header object (joined like Headers.get). */
export function nodeHeader(headers: IncomingHttpHeaders): (name: string) => string | null {
  return (name) => {
    const v = headers[name]
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
  }
}

/** Write a RawReply on a Node response. */
export function writeRaw(res: ServerResponse, reply: RawReply): void {
  res.statusCode = reply.status
  for (const [k, v] of reply.headers) res.setHeader(k, v)
  res.end(reply.text ?? reply.body ?? undefined)
}

/** Header pairs of a Response for `setHeader`, with Set-Cookie kept as separate values. */
export function headerEntries(res: Response): [string, string | string[]][] {
  const out: [string, string | string[]][] = []
  res.headers.forEach((v, k) => {
    if (k !== 'set-cookie') out.push([k, v])
  })
  const cookies = res.headers.getSetCookie()
  if (cookies.length) out.push(['set-cookie', cookies])
  return out
}

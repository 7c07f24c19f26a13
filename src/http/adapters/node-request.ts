import type { IncomingHttpHeaders } from 'node:http'

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
  const host = headers.host ?? 'localhost'
  return new Request(
    `${secure ? 'https' : 'http'}://${host}${url}`,
    signal ? { method, headers: h, signal } : { method, headers: h },
  )
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

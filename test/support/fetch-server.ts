import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

type Handler = (req: Request, info: { remoteAddress?: string | undefined }) => Response | Promise<Response>

/**
 * Serve a Fetch-API handler over real HTTP on 127.0.0.1 (an ephemeral port), passing the peer address as the
 * frameworks' adapters do. Only for tests: quarry's own adapters live in src/http/adapters (issue 11).
 */
export async function serveFetch(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const response = await handler(await toRequest(req), { remoteAddress: req.socket.remoteAddress })
      const headers: Record<string, string> = {}
      response.headers.forEach((v, k) => {
        headers[k] = v
      })
      res.writeHead(response.status, headers)
      res.end(Buffer.from(await response.arrayBuffer()))
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(String((e as Error).message))
    }
  })
  server.keepAliveTimeout = 1
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections()
        server.close(() => ok())
      }),
  }
}

async function toRequest(req: IncomingMessage): Promise<Request> {
  const headers = new Headers()
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) for (const x of v) headers.append(k, x)
    else if (v !== undefined) headers.set(k, v)
  }
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const body = chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? Buffer.concat(chunks) : undefined
  return new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url}`, {
    method: req.method ?? 'GET',
    headers,
    body,
  })
}

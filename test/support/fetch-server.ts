import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'

type Handler = (req: Request, info: { remoteAddress?: string | undefined }) => Response | Promise<Response>

/**
 * Serve a Fetch-API handler over real HTTP on 127.0.0.1 (an ephemeral port) with @hono/node-server, passing the
 * peer address as the profiler expects it after the request.
 */
export async function serveFetch(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server = serve({
    fetch: (req, env) => handler(req, { remoteAddress: (env.incoming as IncomingMessage).socket.remoteAddress }),
    port: 0,
    hostname: '127.0.0.1',
  }) as unknown as Server
  await new Promise((ok) => server.once('listening', ok))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections()
        server.close(() => ok())
      }),
  }
}

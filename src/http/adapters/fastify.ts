import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { bodyOf, type FetchMiddleware, fastPaths, knownBody, withFastReply } from '../fetch-middleware.ts'
import { fetchRequest, fullUrl, headerEntries, nodeHeader } from './node-request.ts'

/** The parts of Fastify's request and reply the adapter uses (no dependency on fastify itself). */
interface FastifyRequestLike {
  method: string
  url: string
  headers: IncomingMessage['headers']
  protocol?: string
}
interface FastifyReplyLike {
  statusCode: number
  getHeaders(): Record<string, unknown>
  removeHeader(name: string): unknown
  header(name: string, value: unknown): unknown
  code(status: number): unknown
  send(payload?: unknown): unknown
}
type Done = (err?: Error) => void
type SendDone = (err: Error | null, payload?: unknown) => void

interface FastifyInstanceLike {
  addHook(name: 'onRequest', hook: (req: FastifyRequestLike, reply: FastifyReplyLike, done: Done) => void): unknown
  addHook(
    name: 'onSend',
    hook: (req: FastifyRequestLike, reply: FastifyReplyLike, payload: unknown, done: SendDone) => void,
  ): unknown
}

const STATE = Symbol('quarry.fetchMiddleware')
interface State {
  /** Resolves the middleware's `next` with what the route produced. */
  resolveNext?: (r: Response) => void
  final: Promise<Response>
}

/**
 * A Fastify (5) plugin from a Fetch middleware, as `onRequest` + `onSend` hooks: the middleware sees the request
 * first; if it calls `next` the route runs and its reply (status, headers, payload) becomes the Fetch `Response`
 * the middleware gets back; the Response it returns is what is sent. Register it in the scope of the routes it
 * should cover. `(plugin as any)[Symbol.for('skip-override')]` is not set, so it stays encapsulated.
 *
 * @example
 * app.register(async (scope) => { scope.register(toFastify(mw)); scope.get('/posts', handler) })
 */
export type FastifyHooks = {
  onRequest: (req: FastifyRequestLike, reply: FastifyReplyLike, done: Done) => void
  onSend: (req: FastifyRequestLike, reply: FastifyReplyLike, payload: unknown, done: SendDone) => void
}
/**
 * Route options (`onRequest` + `onSend` hooks) for one route, with `plugin` for every route of a scope. `plugin`
 * is not enumerable, so Fastify sees only the hooks in the route options.
 */
export type FastifyAdapter = FastifyHooks & {
  readonly plugin: (instance: FastifyInstanceLike, opts: unknown, done: () => void) => void
}

/**
 * Fastify (5) hooks from a Fetch middleware (`onRequest` + `onSend`): the middleware sees the request first; if it
 * calls `next` the route runs and its reply (status, headers, payload) becomes the Fetch `Response` the
 * middleware gets back; the Response it returns is what is sent. Use it as route options, or register it as a
 * plugin to cover every route of a scope.
 *
 * @example
 * app.get('/posts', toFastify(mw), handler)          // one route
 * app.register(toFastify(mw).plugin)                   // every route of this scope
 */
export function toFastify(mw: FetchMiddleware): FastifyAdapter {
  const slowOnRequest: FastifyHooks['onRequest'] = (req, reply, done) => {
    const request = fetchRequest(req.method, req.url, req.headers, req.protocol === 'https')
    const state = {} as State
    ;(req as unknown as Record<symbol, State>)[STATE] = state
    let ran = false
    state.final = mw(
      request,
      () =>
        new Promise<Response>((resolve) => {
          ran = true
          state.resolveNext = resolve
          done() // on to the route handler; onSend resolves this promise
        }),
    )
    state.final.then(
      async (response) => {
        if (ran) return
        // Answered without the route: send it (onSend sees no resolveNext and lets it through).
        await sendReply(reply, response)
      },
      (err: Error) => {
        if (!ran) done(err)
      },
    )
  }
  const fast = fastPaths.get(mw)
  const onRequest: FastifyHooks['onRequest'] = !fast
    ? slowOnRequest
    : (req, reply, done) => {
        const url = fullUrl(req.url, req.headers, req.protocol === 'https')
        withFastReply(fast, req.method, url, nodeHeader(req.headers), (raw) => {
          if (!raw) return slowOnRequest(req, reply, done)
          reply.code(raw.status)
          for (const [k, v] of raw.headers) reply.header(k, v)
          reply.send(
            raw.body === null
              ? undefined
              : (raw.text ?? Buffer.from(raw.body.buffer, raw.body.byteOffset, raw.body.byteLength)),
          )
        })
      }
  const onSend: FastifyHooks['onSend'] = (req, reply, payload, done) => {
    const state = (req as unknown as Record<symbol, State | undefined>)[STATE]
    const resolve = state?.resolveNext
    if (!state || !resolve) return done(null, payload)
    state.resolveNext = undefined
    ;(async () => {
      resolve(await toResponse(reply, payload))
      const response = await state.final
      for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name)
      reply.code(response.status)
      for (const [k, v] of headerEntries(response)) reply.header(k, v)
      return response.body === null && !knownBody.has(response) ? '' : Buffer.from(await bodyOf(response))
    })().then(
      (body) => done(null, body),
      (err: Error) => done(err),
    )
  }
  const plugin = (instance: FastifyInstanceLike, _opts: unknown, pluginDone: () => void) => {
    instance.addHook('onRequest', onRequest)
    instance.addHook('onSend', onSend)
    pluginDone()
  }
  // Like fastify-plugin: the hooks apply to the scope that registers the plugin, not to a new child scope.
  ;(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true
  return Object.defineProperty({ onRequest, onSend }, 'plugin', { value: plugin, enumerable: false }) as FastifyAdapter
}

async function toResponse(reply: FastifyReplyLike, payload: unknown): Promise<Response> {
  const headers = new Headers()
  for (const [k, v] of Object.entries(reply.getHeaders())) {
    if (v === undefined) continue
    if (Array.isArray(v)) for (const x of v) headers.append(k, String(x))
    else headers.set(k, String(v))
  }
  let body: Uint8Array | string | null = null
  if (typeof payload === 'string') body = payload
  else if (payload instanceof Uint8Array) body = payload
  else if (payload instanceof Readable) {
    const chunks: Buffer[] = []
    for await (const c of payload) chunks.push(Buffer.from(c as Uint8Array))
    body = Buffer.concat(chunks)
  }
  const status = reply.statusCode
  return new Response(status === 204 || status === 304 ? null : body, { status, headers })
}

async function sendReply(reply: FastifyReplyLike, response: Response): Promise<void> {
  reply.code(response.status)
  for (const [k, v] of headerEntries(response)) reply.header(k, v)
  reply.send(response.body === null && !knownBody.has(response) ? undefined : Buffer.from(await bodyOf(response)))
}

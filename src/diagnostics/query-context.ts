import { AsyncLocalStorage } from 'node:async_hooks'

// One store for the process: the id belongs to the request (or job) being served, not to a database.
const store = new AsyncLocalStorage<string>()

/**
 * Tag every statement run while `fn` runs (however deep its awaits go) with `id`: query events carry it as
 * `contextId`, so a profiler can group the queries of one request.
 *
 * @example
 * app.use((req, res, next) => withQueryContext(req.headers['x-request-id'] ?? randomUUID(), next))
 */
export function withQueryContext<T>(id: string, fn: () => T): T {
  return store.run(id, fn)
}

/** The id of the enclosing `withQueryContext`, if any. Only read when someone listens to query events. */
export function queryContextId(): string | undefined {
  return store.getStore()
}

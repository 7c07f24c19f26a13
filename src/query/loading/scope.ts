import type { StackHolder } from '../../diagnostics/call-site.ts'
import type { ModelInstance } from '../../model/runtime.ts'
import type { QueryState } from '../../sql/query-state.ts'
import type { DbCore, FetchMode } from '../db-core.ts'

/** A StackHolder with no stack: marks a QuerySet built by quarry itself, so chaining captures no call site. */
export const NO_SITE: { readonly stack?: string } = Object.freeze({})

/**
 * The user's frame at one relation access of a result, as the N+1 detector keeps it: the captured stack, located once
 * (the line), and the count of lazy loads from that line, found once. A loop's later accesses reuse the relation's
 * last capture (Loader.accessSite), so their loads count with one increment.
 */
export class SiteCapture implements StackHolder {
  readonly holder: StackHolder
  /** `siteOf(holder)`, or '' when no user frame: undefined until a load needs it. */
  where: string | undefined = undefined
  /** The result's count for this relation and line: undefined until the first load from this capture. */
  cell: { n: number } | undefined = undefined
  constructor(holder: StackHolder) {
    this.holder = holder
  }
  get stack(): string | undefined {
    return this.holder.stack
  }
}

/** The captures of one relation of a result: how many were taken, and the last. */
export interface Captures {
  n: number
  last: SiteCapture | undefined
}

/** How one result was loaded from another: the parent result and the relation path from the root query. */
export interface Origin {
  readonly parent: ResultInfo
  /** Dotted path from the root query to this result's instances (`posts`, `posts.tags`). */
  readonly path: string
  /** Every hop of `path` is a forward foreign key or one-to-one (so `selectRelated` could follow it). */
  readonly forwardOnly: boolean
}

/** What the loading layer remembers about one result of instances. */
export interface ResultInfo {
  readonly alias: string
  readonly state: QueryState
  readonly mode: FetchMode
  /** The result array under fetchMode('peers'), held weakly: peers live only as long as the caller keeps them. */
  readonly peers: WeakRef<ModelInstance[]> | undefined
  readonly single: boolean
  readonly origin: Origin | undefined
  /** N+1 bookkeeping: lazy loads per relation, then per line of code. */
  counts: Map<string, Map<string, { n: number }>> | undefined
  /** Stack captures per relation (capped: each costs microseconds, see Loader.accessSite), with the last one. */
  captures: Map<string, Captures> | undefined
}

/** Where related rows are loaded: database, alias, fetch mode passed on, and the origin of the new results. */
export interface LoadScope {
  readonly db: DbCore
  readonly alias: string
  readonly mode: FetchMode | undefined
  readonly origin: Origin | undefined
}

/** QueryState patch for queries the loading layer runs on behalf of a result. */
export function internalState(state: QueryState, scope: LoadScope): QueryState {
  return {
    ...state,
    using: scope.alias,
    fetchMode: state.fetchMode ?? scope.mode,
    site: NO_SITE,
    extra: scope.origin ? { ...state.extra, origin: scope.origin } : state.extra,
  }
}

import type { ResultHooks, Runner } from '../engine/runner.ts'
import type { InstanceHost } from '../model/runtime.ts'
import type { Schema } from '../model/schema.ts'
import type { QueryState } from '../sql/query-state.ts'

export type FetchMode = 'one' | 'peers' | 'raise'
export type NPlusOneMode = 'warn' | 'raise' | 'off'

/** Hooks the loading layer (prefetch, fetch modes, N+1 detection) provides to QuerySets and the runner. */
export interface LoadingHooks extends ResultHooks {
  /** Whether QuerySets should remember where they were built (the N+1 detector names the query to fix). */
  readonly wantsSites: boolean
}

/** What the query layer needs from its database: the small context `Database` implements. */
export interface DbCore {
  /** The instance host bound to one database alias (instances remember where they came from). */
  host(alias: string): InstanceHost
  /** Runs what the query layer describes (engine/runner.ts). */
  readonly runner: Runner
  readonly schema: Schema
  readonly loading: LoadingHooks
  /** Whether `connect()` was given a cache (so `QuerySet.cache()` has somewhere to cache). */
  readonly hasQueryCache: boolean
  /** Alias to read `state` from (explicit `using`, the open transaction, or the router). */
  readAlias(state: QueryState): string
  writeAlias(state: QueryState): string
}

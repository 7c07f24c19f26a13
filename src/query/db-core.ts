import type { Executor } from '../engine/executor.ts'
import type { ModelMeta } from '../model/model-meta.ts'
import type { InstanceHost, ModelInstance } from '../model/runtime.ts'
import type { Schema } from '../model/schema.ts'
import type { QueryState } from '../sql/query-state.ts'
import type { SqlFragment } from '../sql/sql-tag.ts'

export type FetchMode = 'one' | 'peers' | 'raise'
export type NPlusOneMode = 'warn' | 'raise' | 'off'

/** Hooks the loading layer (prefetch, fetch modes, N+1 detection) provides to QuerySets. */
export interface LoadingHooks {
  /** Whether QuerySets should remember where they were built (the N+1 detector names the query to fix). */
  readonly wantsSites: boolean
  /**
   * The host for the instances of one result, before they are mapped: the database's host, or one that knows
   * the result's peers, fetch mode and N+1 counts. `results` is the array the instances will fill.
   */
  hostFor(alias: string, state: QueryState, results: ModelInstance[], single: boolean): InstanceHost
  /** Called with every non-empty result of instances, after mapping (runs `prefetchRelated`). */
  afterFetch(instances: ModelInstance[], state: QueryState, alias: string, single: boolean): Promise<void> | void
}

/** What a QuerySet needs from its database. Implemented by `Database`. */
export interface DbCore {
  /** The instance host bound to one database alias (instances remember where they came from). */
  host(alias: string): InstanceHost
  /** Raw SQL rows as objects. */
  rawObjects(query: SqlFragment, alias: string, model?: string): Promise<Record<string, unknown>[]>
  /** An instance from a row object keyed by column names (raw queries). */
  instanceFromObject(meta: ModelMeta, row: Record<string, unknown>, alias: string): ModelInstance
  readonly executor: Executor
  readonly schema: Schema
  readonly loading: LoadingHooks
  /** Alias to read `state` from (explicit `using`, the open transaction, or the router). */
  readAlias(state: QueryState): string
  writeAlias(state: QueryState): string
}

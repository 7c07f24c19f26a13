// What each system module provides: for one backend, a runner per workload it can express, or the reason it
// cannot. A runner is one timed run; its result is checked equal to raw's before timing starts.
import type { Backend, DataSize } from './data.ts'
import type { WorkloadId, WriteRows } from './workloads.ts'

export interface Context {
  readonly backend: Backend
  /** SQLite file path or PostgreSQL URL. */
  readonly location: string
  readonly size: DataSize
  /** W4's ids (count depends on --quick). */
  readonly ids: readonly number[]
  /** The write workloads' sizes (smaller in --quick). */
  readonly rows: WriteRows
}

export type Runner = () => Promise<unknown>

/** A workload a system cannot express here, and why (shown in the table as "n/a, because …"). */
export interface NotApplicable {
  readonly na: string
}

export interface Opened {
  readonly workloads: Partial<Record<WorkloadId, Runner | NotApplicable>>
  close(): Promise<void>
}

export interface SystemDef {
  readonly id: string
  /** Shown in the table. */
  readonly label: string
  /** A raw driver: ratios are taken against the first raw system of each backend. */
  readonly raw?: boolean
  /** npm packages whose installed versions the results record. */
  readonly packages: readonly string[]
  /** Backends it runs on; a string says why not. */
  readonly backends: Partial<Record<Backend, true | string>>
  open(ctx: Context): Promise<Opened>
}

export const na = (reason: string): NotApplicable => ({ na: reason })

import type { Executor } from '../engine/executor.ts'
import type { ModelMeta } from '../model/model-meta.ts'

/**
 * What the profiler and the advisor use of a connected database. `Database` has it; the profiler sits below the
 * composition root, so it names the parts rather than the class.
 */
export interface ProfiledDatabase {
  readonly executor: Executor
  atomic<T>(fn: () => Promise<T> | T, options?: { using?: string }): Promise<T>
  readonly schema: { models(): readonly ModelMeta[] }
}

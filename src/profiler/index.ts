/**
 * quarry/profiler — the index advisor and the profiler's store, for scripts and the `quarry advise` command.
 *
 * @example
 * import { advise, formatAdvice } from 'quarry/profiler'
 * console.log(formatAdvice(await advise(db, { from: '.quarry/profile.jsonl', minCalls: 5 })))
 */
export {
  type Advice,
  type AdviseOptions,
  advise,
  formatAdvice,
  type IndexProposal,
  proposedColumns,
} from './index-advisor.ts'
export { readStore, ShapeStore, type ShapeStoreOptions, type StoredShape } from './store.ts'

import { siteOf } from '../../diagnostics/call-site.ts'
import { type EagerLoad, eagerChannel } from '../../diagnostics/eager-loads.ts'
import { type ModelInstance, STATE, stateOf } from '../../model/runtime.ts'
import type { QueryState } from '../../sql/query-state.ts'
import type { Origin } from './scope.ts'

/**
 * Watch the eager loads of one result for the profiler: one `EagerLoad` per path the query selected or prefetched,
 * registered on each instance that holds the path's last hop, so reading `post.author` on any row of this result
 * marks `author` used — precisely this result's load, not every `Post.author` of the request. Runs only while the
 * profiler subscribes; otherwise instances carry nothing.
 */
export function trackEagerLoads(database: object, instances: readonly ModelInstance[], state: QueryState): void {
  const origin = state.extra.origin as Origin | undefined
  const prefix = origin ? `${origin.path}.` : ''
  let root = origin
  while (root?.parent.origin) root = root.parent.origin
  const querySite = siteOf((root?.parent.state ?? state).site)
  const model = (root?.parent.state ?? state).model.name
  const seen = new Set<string>()
  const watch = (kind: EagerLoad['kind'], parts: readonly string[]) => {
    for (let i = 0; i < parts.length; i++) {
      const path = parts.slice(0, i + 1).join('.')
      if (seen.has(path)) continue
      seen.add(path)
      const parents = reach(instances, parts.slice(0, i))
      if (parents.length === 0) continue
      const load: EagerLoad = {
        kind,
        model,
        path: prefix + path,
        querySite,
        parents: parents.length,
        used: false,
        database,
      }
      const name = parts[i]!
      for (const p of parents) {
        const s = stateOf(p)
        ;(s.track ??= new Map()).set(name, load)
      }
      eagerChannel.publish(load)
    }
  }
  for (const path of state.selectRelated) watch('selectRelated', path.split('.'))
  for (const spec of state.prefetch) {
    const parts = spec.path.split('.')
    // `Prefetch(…, { to })` stores a plain attribute, which no accessor sees read: watch only the hops before it.
    watch('prefetchRelated', spec.to === undefined ? parts : parts.slice(0, -1))
  }
}

/** The distinct instances `path` reaches from `roots` through loaded relations. */
function reach(roots: readonly ModelInstance[], path: readonly string[]): ModelInstance[] {
  let level: ModelInstance[] = [...roots]
  for (const name of path) {
    const next = new Set<ModelInstance>()
    for (const o of level) {
      const v = o[STATE]?.relations?.get(name)
      if (Array.isArray(v)) for (const x of v) next.add(x)
      else if (v) next.add(v as ModelInstance)
    }
    level = [...next]
  }
  return level
}

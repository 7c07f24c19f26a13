import type { ModelMeta } from '../../model/model-meta.ts'
import { type ModelInstance, metaOf, STATE } from '../../model/runtime.ts'
import { findRelation } from './relation.ts'
import type { ResultInfo } from './scope.ts'

/**
 * The instances of the same result as `inst` and at the same place in it: the rows themselves, or the objects
 * one `selectRelated` path reached. Only `inst` when the result array is gone (peers are held weakly).
 */
export function peersOf(info: ResultInfo, inst: ModelInstance): ModelInstance[] {
  const roots = info.peers?.deref()
  if (!roots) return [inst]
  if (metaOf(inst) === info.state.model && roots.includes(inst)) return roots
  for (const path of selectedPaths(info)) {
    const found = reach(roots, path)
    if (found.includes(inst)) return found
  }
  return [inst]
}

/** The `selectRelated` path that reached `inst` within its result ('' for a row of the result itself). */
export function pathWithin(info: ResultInfo, inst: ModelInstance): string {
  const roots = info.peers?.deref()
  if (!roots) return pathByModel(info, metaOf(inst))
  if (metaOf(inst) === info.state.model && roots.includes(inst)) return ''
  for (const path of selectedPaths(info)) if (reach(roots, path).includes(inst)) return path
  return ''
}

/**
 * Without the result array (only fetchMode('peers') keeps it): the first `selectRelated` path that ends at the
 * instance's model; '' for the query's own model.
 */
function pathByModel(info: ResultInfo, meta: ModelMeta): string {
  if (meta === info.state.model) return ''
  for (const path of selectedPaths(info)) {
    let m: ModelMeta | undefined = info.state.model
    for (const name of path.split('.')) m = m && findRelation(m, name)?.target
    if (m === meta) return path
  }
  return ''
}

/** Every path `selectRelated` follows, prefixes included: `'author.profile'` → `author`, `author.profile`. */
function selectedPaths(info: ResultInfo): string[] {
  const out = new Set<string>()
  for (const p of info.state.selectRelated) {
    const parts = p.split('.')
    for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join('.'))
  }
  return [...out]
}

/** The distinct objects found by following `path` through the relation caches of `roots`. */
function reach(roots: readonly ModelInstance[], path: string): ModelInstance[] {
  let level: ModelInstance[] = [...roots]
  for (const name of path.split('.')) {
    const next = new Set<ModelInstance>()
    for (const o of level) {
      const v = o[STATE]?.relations?.get(name)
      if (v) next.add(v as ModelInstance)
    }
    level = [...next]
  }
  return level
}

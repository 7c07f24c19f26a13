import { InvalidValueError } from '../../errors.ts'
import { cacheRelation, type ModelInstance, metaOf, STATE } from '../../model/runtime.ts'
import type { PrefetchSpec } from '../../sql/query-state.ts'
import type { DbCore, FetchMode } from '../db-core.ts'
import { loadLevel } from './load-level.ts'
import { findRelation, relationOf } from './relation.ts'
import type { ResultInfo } from './scope.ts'

export interface PrefetchContext {
  readonly db: DbCore
  readonly alias: string
  /** Fetch mode the loaded results inherit (undefined: the database default). */
  readonly mode: FetchMode | undefined
  /** The result the instances belong to, if known (for N+1 reports about what gets loaded). */
  readonly parent: ResultInfo | undefined
}

/**
 * Django's `prefetch_related_objects`: for each lookup, walk its dotted path level by level; a level already in
 * hand (selected, or loaded by an earlier lookup) is followed without a query, any other level is loaded for all
 * objects at that level with one query (per key batch). So `'posts', 'posts.tags'` runs two queries, not three.
 */
export async function runPrefetch(
  pc: PrefetchContext,
  instances: readonly ModelInstance[],
  specs: readonly PrefetchSpec[],
): Promise<void> {
  if (instances.length === 0) return
  /** Paths loaded by an earlier lookup without `to` (their objects sit in the relation caches). */
  const done = new Set<string>()
  /** Paths of `to` attributes set by earlier lookups (later lookups may go through them). */
  const attrs = new Set<string>()
  for (const spec of specs) {
    const parts = spec.path.split('.')
    let objs: ModelInstance[] = [...instances]
    let prefix = ''
    let forwardOnly = true
    for (let i = 0; i < parts.length && objs.length; i++) {
      const name = parts[i]!
      const last = i === parts.length - 1
      prefix = prefix ? `${prefix}.${name}` : name
      const meta = metaOf(objs[0]!)
      const rel = findRelation(meta, name)
      if (!rel) {
        if (attrs.has(prefix) && !last) {
          objs = collect(objs, (o) => (o as unknown as Record<string, unknown>)[name])
          continue
        }
        relationOf(meta, name, spec.path) // throws FieldError with the choices
      }
      const r = rel!
      forwardOnly &&= r.kind === 'forward'
      const query = last ? spec.query : undefined
      const to = last ? spec.to : undefined
      if (to !== undefined) checkAttr(meta, to, spec.path)
      if (query && !to && done.has(prefix))
        throw new InvalidValueError(
          `prefetchRelated: '${prefix}' is loaded twice, once with a Prefetch QuerySet. Put the Prefetch first, or give it { to }.`,
        )
      const need = to !== undefined || query ? objs : objs.filter((o) => !o[STATE]?.relations?.has(r.name))
      if (need.length) {
        const origin = pc.parent ? { parent: pc.parent, path: prefix, forwardOnly } : undefined
        const values = await loadLevel({ db: pc.db, alias: pc.alias, mode: pc.mode, origin }, need, r, query)
        // forEach, not for…of: iterating a Map's entries allocated an entry array per parent (bench/notes.md).
        values.forEach((v, o) => {
          if (to !== undefined)
            Object.defineProperty(o, to, { value: v, writable: true, configurable: true, enumerable: false })
          else cacheRelation(o, r.name, v)
        })
      }
      if (to !== undefined) {
        attrs.add(parts.slice(0, i).concat(to).join('.'))
        break
      }
      done.add(prefix)
      // The objects one level down, for the next part of the path (none after the last).
      if (!last) objs = collect(objs, (o) => o[STATE]?.relations?.get(r.name))
    }
  }
}

/** The distinct objects one level down (a relation's value is an instance, null, or an array). */
function collect(objs: readonly ModelInstance[], get: (o: ModelInstance) => unknown): ModelInstance[] {
  const out = new Set<ModelInstance>()
  for (const o of objs) {
    const v = get(o)
    if (Array.isArray(v)) for (const x of v) out.add(x)
    else if (v) out.add(v as ModelInstance)
  }
  return [...out]
}

function checkAttr(meta: ReturnType<typeof metaOf>, to: string, path: string): void {
  if (
    !to ||
    meta.fieldMap.has(to) ||
    meta.attnameMap.has(to) ||
    meta.reverse.has(to) ||
    to in meta.instanceClass.prototype
  )
    throw new InvalidValueError(
      `Prefetch('${path}', …, { to: '${to}' }): '${to}' is already a field, relation or method of ${meta.name}. Pick another name.`,
    )
}

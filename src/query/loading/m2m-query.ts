import type { ModelInstance } from '../../model/runtime.ts'
import type { QueryState } from '../../sql/query-state.ts'
import { buildManyToMany } from '../../sql/resolve/m2m-builder.ts'
import type { Relation } from './relation.ts'
import type { LoadScope } from './scope.ts'

/**
 * Many-to-many rows for a batch of source keys in one query (see `buildManyToMany`): each target instance with
 * the source key it belongs to.
 */
export async function fetchManyToMany(
  scope: LoadScope,
  state: QueryState,
  rel: Relation,
  keys: readonly unknown[],
): Promise<[unknown, ModelInstance][]> {
  const { db, alias } = scope
  const built = buildManyToMany(state, db.runner.features(alias), rel.through!, keys)
  // The Prefetch QuerySet can match nothing (an empty `in`): no query, as Django.
  if (built.empty) return []
  const { instances, keys: owners } = await db.runner.selectWithKeys(alias, state, built, [built.keyField])
  return instances.map((inst, i) => [owners[i], inst])
}

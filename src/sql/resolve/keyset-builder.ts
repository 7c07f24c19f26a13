import { InvalidCursor } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import { and, type Expr, FALSE, or } from '../ast/expression-nodes.ts'
import type { OrderNode } from '../ast/select-node.ts'
import type { KeysetSpec } from '../query-state.ts'
import type { BuildContext } from './build-context.ts'

/** One ordering term as keyset pagination sees it. */
interface Term {
  readonly e: Expr
  readonly field: Field | undefined
  readonly desc: boolean
  /** NULLs come before every value in this term's order (explicit NULLS FIRST/LAST, or the database default). */
  readonly nullsFirst: boolean
  /** The column can hold NULL (a nullable field, or reached through a LEFT JOIN). */
  readonly nullable: boolean
}

/**
 * The WHERE condition of a keyset page: rows strictly after `spec.after` and strictly before `spec.before` in the
 * ordering `order` (which ends in the primary key). NULL sort values are placed where the ORDER BY puts them.
 *
 * Where every term runs the same direction and none can be NULL, it is a row value comparison the planner ranges an
 * index on: `("created_at", "id") < (?, ?)`. Otherwise the expanded form, led by a bound on the first column so
 * planners still range on it: `"a" <= ? AND ("a" < ? OR ("a" = ? AND "id" > ?))`.
 */
export function keysetCondition(
  ctx: BuildContext,
  order: readonly OrderNode[],
  spec: KeysetSpec,
  nullableAlias: (alias: string) => boolean,
): Expr {
  const features = ctx.features
  const terms: Term[] = order.map((o) => {
    const field = o.e.k === 'col' ? o.e.field : undefined
    const nullable = field ? field.nullable || (o.e.k === 'col' && nullableAlias(o.e.t)) : true
    const nullsFirst = o.nulls ? o.nulls === 'first' : o.desc !== features.hasNullsFirstWhenAscending
    return { e: o.e, field, desc: o.desc, nullsFirst, nullable }
  })
  const parts: Expr[] = []
  if (spec.after) parts.push(beyond(ctx, features, terms, spec.after))
  if (spec.before)
    parts.push(
      beyond(
        ctx,
        features,
        terms.map((t) => ({ ...t, desc: !t.desc, nullsFirst: !t.nullsFirst })),
        spec.before,
      ),
    )
  return and(parts)
}

/** Rows strictly after `values` in the order of `terms`. */
function beyond(
  ctx: BuildContext,
  features: BuildContext['features'],
  terms: Term[],
  values: readonly unknown[],
): Expr {
  if (values.length !== terms.length)
    throw new InvalidCursor(`The cursor has ${values.length} values but the ordering has ${terms.length} terms.`)
  const isNull = values.map((v) => v === null || v === undefined)
  // One parameter per value that is not NULL, pushed in term order before any is used (a node can be placed more
  // than once): the order `fastSelectShape` appends a keyset page's values in, whichever form the condition takes.
  const params = values.map((v, i) => (isNull[i] ? undefined : ctx.param(v, { field: terms[i]!.field })))
  const param = (i: number) => params[i]!
  const gt = (t: Term, i: number): Expr => ({ k: 'bin', op: t.desc ? '<' : '>', l: t.e, r: param(i) })
  const sameDirection = terms.every((t) => t.desc === terms[0]!.desc)
  if (
    features.supportsRowValues &&
    features.canUseIndexForRowValueComparison &&
    sameDirection &&
    terms.length > 1 &&
    terms.every((t, i) => !t.nullable && !isNull[i])
  ) {
    return {
      k: 'bin',
      op: terms[0]!.desc ? '<' : '>',
      l: { k: 'row', items: terms.map((t) => t.e) },
      r: { k: 'row', items: terms.map((_, i) => param(i)) },
    }
  }
  const disjuncts: Expr[] = []
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i]!
    let after: Expr
    if (isNull[i]) {
      // Past a NULL: only values, if NULLs come first; nothing, if they come last.
      if (!t.nullsFirst) continue
      after = { k: 'isnull', e: t.e, negate: true }
    } else {
      after = gt(t, i)
      if (t.nullable && !t.nullsFirst) after = or([after, { k: 'isnull', e: t.e, negate: false }])
    }
    const equal: Expr[] = []
    for (let j = 0; j < i; j++)
      equal.push(
        isNull[j] ? { k: 'isnull', e: terms[j]!.e, negate: false } : { k: 'bin', op: '=', l: terms[j]!.e, r: param(j) },
      )
    disjuncts.push(and([...equal, after]))
  }
  if (disjuncts.length === 0) return FALSE
  const first = terms[0]!
  const expanded = or(disjuncts)
  // A sargable bound on the first column: every row after the cursor has first >= its value (or <= descending).
  if (!isNull[0] && !first.nullable && terms.length > 1) {
    return and([{ k: 'bin', op: first.desc ? '<=' : '>=', l: first.e, r: param(0) }, expanded])
  }
  return expanded
}

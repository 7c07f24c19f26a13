import { FieldError } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import type { RelationField } from '../../model/fields/relation-field.ts'
import type { ModelMeta } from '../../model/model-meta.ts'
import { col, type Expr } from '../ast/expression-nodes.ts'
import type { Hop, JoinInfo, Scope } from './build-context.ts'

/** A dotted path split into relation hops and the field it ends on. */
export interface ParsedPath {
  readonly hops: readonly Hop[]
  /** The concrete field name at the end (`pk` when the path ends on a to-many relation). */
  readonly last: string
  readonly path: string
}

/** The hop for relation `name` of `meta`, or undefined when `name` is not a relation. */
export function hopOf(meta: ModelMeta, name: string): Hop | undefined {
  const f = meta.fieldMap.get(name)
  if (f && (f.kind === 'foreignKey' || f.kind === 'oneToOne')) {
    const field = f as RelationField
    return { kind: 'forward', name, field, target: field.targetMeta }
  }
  if (f?.kind === 'manyToMany') {
    const field = f as RelationField
    const far = field.throughTarget!
    return { kind: 'm2m', name, through: field.throughMeta!, near: field.throughSource!, far, target: far.targetMeta }
  }
  const rev = meta.reverse.get(name)
  if (!rev) return undefined
  if (rev.kind === 'manyToMany') {
    const field = rev.field
    const far = field.throughSource!
    return { kind: 'm2m', name, through: field.throughMeta!, near: field.throughTarget!, far, target: far.targetMeta }
  }
  return { kind: 'reverse', name, rev, target: rev.related }
}

/**
 * `'posts.tags.name'` from Author → hops [posts (reverse), tags (m2m)] and the field `name`. A path ending on a to-many
 * relation ends on its primary key (`Count('posts')`); one ending on a forward key ends on the key's own column.
 */
export function parsePath(meta: ModelMeta, path: string): ParsedPath {
  const parts = path.split('.')
  const hops: Hop[] = []
  let at = meta
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i]!
    const last = i === parts.length - 1
    const hop = hopOf(at, name)
    if (last && (!hop || hop.kind === 'forward')) {
      const field = at.findField(name)
      if (!field?.concrete)
        throw new FieldError(
          `Cannot resolve '${name}' into a field of ${at.name}${parts.length > 1 ? ` (in '${path}')` : ''}.`,
          [...at.concreteFields.map((f) => f.name), ...at.reverse.keys()],
        )
      return { hops, last: name, path }
    }
    if (!hop)
      throw new FieldError(`Cannot follow '${name}' in '${path}': ${at.name}.${name} is not a relation.`, [
        ...at.forwardRelations.map((r) => r.name),
        ...at.reverse.keys(),
      ])
    hops.push(hop)
    at = hop.target
  }
  return { hops, last: 'pk', path }
}

export const isMany = (h: Hop): h is Exclude<Hop, { kind: 'forward' }> => h.kind !== 'forward'

/**
 * Join every hop of `parsed` into `scope` (to-many hops as shared LEFT JOINs) and return the column at the end.
 * `manyPath` is the path up to the last to-many hop ('' when there is none): values sharing it come from the same
 * joined rows.
 */
export function joinedColumn(
  scope: Scope,
  parsed: ParsedPath,
  from: { join: JoinInfo | null; prefix: string } = { join: null, prefix: '' },
): { expr: Expr; field: Field; manyPath: string } {
  let join = from.join
  let prefix = from.prefix
  let manyPath = ''
  let meta = join?.meta ?? scope.meta
  for (const hop of parsed.hops) {
    prefix = prefix ? `${prefix}.${hop.name}` : hop.name
    if (hop.kind === 'forward') join = scope.join(prefix, hop.field, join)
    else {
      join = scope.joinMany(prefix, hop, join)
      manyPath = prefix
    }
    meta = hop.target
  }
  const field = meta.findField(parsed.last)!
  return { expr: col(join?.alias ?? scope.alias, field.column, field), field, manyPath }
}

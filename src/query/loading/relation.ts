import { FieldError } from '../../errors.ts'
import type { Field } from '../../model/fields/field.ts'
import type { RelationField } from '../../model/fields/relation-field.ts'
import type { ModelMeta } from '../../model/model-meta.ts'

/**
 * One relation seen from the model that holds the accessor, whatever its kind: what the loading layer needs to
 * fetch it for many instances at once and to put the results where the accessor finds them.
 *
 * - `forward`: `post.author` (foreign key or one-to-one): source key `authorId`, matched on the target's key.
 * - `reverseOne` / `reverseMany`: `author.profile` / `author.posts`: source key `id`, matched on `userId` / `authorId`.
 * - `manyToMany`: `post.tags` or `tag.posts`: through the join model, `near` pointing at the source, `far` at the target.
 */
export interface Relation {
  readonly name: string
  readonly kind: 'forward' | 'reverseOne' | 'reverseMany' | 'manyToMany'
  readonly source: ModelMeta
  readonly target: ModelMeta
  /** The accessor yields an array. */
  readonly many: boolean
  /** The declared field: the foreign key, one-to-one or many-to-many field. */
  readonly field: RelationField
  /** Attribute of source instances whose values are looked up. */
  readonly sourceKey: Field
  /** Field of the target (forward, reverse) matched against the source keys. */
  readonly targetKey: Field
  /** Many-to-many only: the join model and its foreign keys to the source (`near`) and the target (`far`). */
  readonly through?: { readonly meta: ModelMeta; readonly near: RelationField; readonly far: RelationField }
  /** Name of the accessor on the target pointing back (for caching the other side), if there is one. */
  readonly back: string | undefined
}

const cache = new WeakMap<ModelMeta, Map<string, Relation | null>>()

/** The relation `name` of `meta`, or undefined if `name` is not a relation. Cached per model. */
export function findRelation(meta: ModelMeta, name: string): Relation | undefined {
  let byName = cache.get(meta)
  if (!byName) cache.set(meta, (byName = new Map()))
  let rel = byName.get(name)
  if (rel === undefined) byName.set(name, (rel = build(meta, name) ?? null))
  return rel ?? undefined
}

/** Like `findRelation`, but a `FieldError` listing the relations when there is none. */
export function relationOf(meta: ModelMeta, name: string, path: string): Relation {
  const rel = findRelation(meta, name)
  if (rel) return rel
  const names = [...meta.forwardRelations.map((f) => f.name), ...meta.reverse.keys()]
  throw new FieldError(`Cannot prefetch '${name}' in '${path}': ${meta.name}.${name} is not a relation.`, names)
}

function build(meta: ModelMeta, name: string): Relation | undefined {
  const field = meta.fieldMap.get(name)
  if (field?.isRelation) {
    const f = field as RelationField
    if (f.kind === 'manyToMany')
      return {
        name,
        kind: 'manyToMany',
        source: meta,
        target: f.targetMeta,
        many: true,
        field: f,
        sourceKey: f.throughSource!.targetField,
        targetKey: f.throughTarget!.targetField,
        through: { meta: f.throughMeta!, near: f.throughSource!, far: f.throughTarget! },
        back: f.relatedName === '+' ? undefined : f.relatedName,
      }
    return {
      name,
      kind: 'forward',
      source: meta,
      target: f.targetMeta,
      many: false,
      field: f,
      sourceKey: f,
      targetKey: f.targetField,
      back: f.relatedName === '+' ? undefined : f.relatedName,
    }
  }
  const rev = meta.reverse.get(name)
  if (!rev) return undefined
  const f = rev.field
  if (rev.kind === 'manyToMany')
    return {
      name,
      kind: 'manyToMany',
      source: meta,
      target: rev.related,
      many: true,
      field: f,
      sourceKey: f.throughTarget!.targetField,
      targetKey: f.throughSource!.targetField,
      through: { meta: f.throughMeta!, near: f.throughTarget!, far: f.throughSource! },
      back: f.name,
    }
  return {
    name,
    kind: rev.multiple ? 'reverseMany' : 'reverseOne',
    source: meta,
    target: rev.related,
    many: rev.multiple,
    field: f,
    sourceKey: f.targetField,
    targetKey: f,
    back: f.name,
  }
}

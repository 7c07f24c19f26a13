import { StateError } from '../errors.ts'
import type { RelationField } from '../model/fields/relation-field.ts'
import type { ReverseRelation } from '../model/model-meta.ts'
import { type ModelInstance, metaOf, pkValue } from '../model/runtime.ts'
import type { Models } from '../model/schema.ts'
import type { CreateInput, Instance } from '../model/types.ts'
import { emptyState } from '../sql/query-state.ts'
import type { DbCore } from './db-core.ts'
import { Manager } from './manager.ts'

declare module '../model/types.ts' {
  interface RelatedManagerRegistry<M extends Models, T extends keyof M & string> {
    manager: RelatedManager<M, T>
  }
}

/**
 * `author.posts` when it was not prefetched: a QuerySet of the related rows (awaitable, filterable, countable)
 * that can also create rows linked to the instance.
 *
 * @example
 * const drafts = await author.posts.filter({ published: false })
 * await author.posts.create({ title: 'New' })     // author filled in
 */
export class RelatedManager<M extends Models, N extends keyof M & string> extends Manager<M, N> {
  /** @internal */
  readonly instance: ModelInstance
  /** @internal The reverse relation (or the forward many-to-many field) this manager follows. */
  readonly relation: ReverseRelation | RelationField

  constructor(db: DbCore, instance: ModelInstance, relation: ReverseRelation | RelationField, alias: string) {
    const rev = relation as ReverseRelation
    if ((relation as RelationField).kind === 'manyToMany' || rev.kind === 'manyToMany')
      throw new StateError('NOT_SUPPORTED', 'many-to-many managers are provided by the relations layer')
    const id = pkValue(instance)
    if (id === undefined || id === null)
      throw new StateError('NOT_SAVED', `Save this ${metaOf(instance).name} before using its related objects.`)
    const field = rev.field
    const state = { ...emptyState(rev.related), using: alias, where: [{ input: { [field.name]: id }, negate: false }] }
    super(db, state)
    this.instance = instance
    this.relation = relation
  }

  /** Create a related row pointing at this instance. */
  override async create(data: Omit<CreateInput<M, N>, never>): Promise<Instance<M, N>> {
    const field = (this.relation as ReverseRelation).field
    return super.create({ ...(data as object), [field.name]: this.instance } as CreateInput<M, N>)
  }
}

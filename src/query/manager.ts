import { DoesNotExist, IntegrityError } from '../errors.ts'
import type { Models } from '../model/schema.ts'
import type { CreateInput, Filter, Instance } from '../model/types.ts'
import { isPlainObject } from '../sql/resolve/where-builder.ts'
import { assertFragment, type SqlFragment } from '../sql/sql-tag.ts'
import { buildInstance } from './persistence.ts'
import { QuerySet } from './query-set.ts'

/**
 * `db.Post`: the model's default manager (Django's `Post.objects`). A QuerySet over every row, plus the
 * methods that make rows.
 */
export class Manager<M extends Models, N extends keyof M & string> extends QuerySet<M, N> {
  /**
   * A new unsaved instance (Django's `Post(title=…)`); `save()` inserts it.
   *
   * @example
   * const post = db.Post.build({ title: 'Hello', author })
   * await post.save()
   */
  build(data: CreateInput<M, N>): Instance<M, N> {
    const alias = this.db.writeAlias(this.state)
    return buildInstance(this.state.model, data as Record<string, unknown>, this.db.host(alias)) as unknown as Instance<
      M,
      N
    >
  }

  /**
   * Insert one row and return the instance with its primary key.
   *
   * @example
   * const author = await db.Author.create({ name: 'Bharat' })
   * // INSERT INTO "author" ("name", "email") VALUES (?, ?) RETURNING "id"
   */
  async create(data: CreateInput<M, N>): Promise<Instance<M, N>> {
    const inst = this.build(data)
    await inst.save({ forceInsert: true })
    return inst
  }

  /**
   * The row matching `lookup`, or a new one made from `lookup` and `defaults`; `[instance, created]`.
   * Safe against a concurrent insert of the same unique row.
   */
  async getOrCreate(
    lookup: Filter<M, N>,
    options: { defaults?: Partial<CreateInput<M, N>> } = {},
  ): Promise<[Instance<M, N>, boolean]> {
    try {
      return [(await this.get(lookup as never)) as Instance<M, N>, false]
    } catch (e) {
      if (!(e instanceof DoesNotExist)) throw e
    }
    const data = { ...plainLookups(lookup as Record<string, unknown>), ...options.defaults } as CreateInput<M, N>
    try {
      const alias = this.db.writeAlias(this.state)
      return await this.db.runner.atomic(
        alias,
        async () => [await this.create(data), true] as [Instance<M, N>, boolean],
      )
    } catch (e) {
      if (!(e instanceof IntegrityError)) throw e
      return [(await this.get(lookup as never)) as Instance<M, N>, false]
    }
  }

  /**
   * Instances from raw SQL. Columns are matched to fields by column name; the primary key must be selected.
   *
   * @example
   * await db.Post.raw(sql`select * from blog_post where title like ${pattern}`)
   */
  async raw(query: SqlFragment): Promise<Instance<M, N>[]> {
    assertFragment(query, 'raw()')
    const alias = this.db.readAlias(this.state)
    const meta = this.state.model
    const rows = await this.db.runner.rawObjects(query, alias, meta.name)
    const host = this.db.host(alias)
    return rows.map((r) => this.db.runner.instanceFromObject(meta, r, alias, host)) as unknown as Instance<M, N>[]
  }
}

/** The exact-match part of a lookup (`{ name: 'orm' }`), usable as field values for a new row. */
function plainLookups(lookup: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(lookup)) if (!isPlainObject(v)) out[k] = v
  return out
}

import { DoesNotExist, IntegrityError } from '../errors.ts'
import type { Models } from '../model/schema.ts'
import type { CreateInput, Filter, Instance, UpdateInput } from '../model/types.ts'
import { isPlainObject } from '../sql/resolve/where-builder.ts'
import { assertFragment, type SqlFragment } from '../sql/sql-tag.ts'
import { type BulkCreateOptions, type BulkUpdateOptions, bulkCreate, bulkUpdate } from './bulk.ts'
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
   * Insert many rows in as few statements as the database's bind-parameter limit allows (whatever `batchSize`
   * says), all in one transaction: a bad row anywhere writes nothing, and the error names its index and field.
   * Defaults and `autoNowAdd` are applied; primary keys are set where the database returns them (PostgreSQL,
   * SQLite, MariaDB 10.5+), not with `ignoreConflicts`, and not on MySQL.
   *
   * @example
   * const tags = await db.Tag.bulkCreate([{ name: 'orm' }, { name: 'sql' }])
   * // INSERT INTO "tag" ("name") VALUES (?), (?) RETURNING "id"
   * await db.Tag.bulkCreate(rows, { ignoreConflicts: true })  // … ON CONFLICT DO NOTHING / INSERT IGNORE
   */
  async bulkCreate(
    objs: readonly (CreateInput<M, N> | Instance<M, N, any>)[],
    options: BulkCreateOptions = {},
  ): Promise<Instance<M, N>[]> {
    return (await bulkCreate(this.db, this.state, objs, options)) as unknown as Instance<M, N>[]
  }

  /**
   * Write `fields` of many saved instances: one statement per batch, all batches in one transaction. `autoNow`
   * fields are updated too. Returns the number of rows matched.
   *
   * @example
   * for (const p of posts) p.title = p.title.toUpperCase()
   * await db.Post.bulkUpdate(posts, ['title'])
   * // UPDATE "blog_post" SET "title" = "v"."column2" FROM (VALUES (?, ?), …) AS "v" WHERE "blog_post"."id" = "v"."column1"
   */
  async bulkUpdate(
    objs: readonly Instance<M, N, any>[],
    fields: readonly (keyof UpdateInput<M, N> & string)[],
    options: BulkUpdateOptions = {},
  ): Promise<number> {
    return bulkUpdate(this.db, this.state, objs, fields, options)
  }

  /**
   * The row matching `lookup`, or a new one made from `lookup` and `defaults`; `[instance, created]`.
   * Safe against a concurrent insert of the same unique row: the loser's `IntegrityError` is caught and the row
   * read again.
   *
   * @example
   * const [tag, created] = await db.Tag.getOrCreate({ name: 'orm' })
   */
  async getOrCreate(
    lookup: Filter<M, N>,
    options: { defaults?: Partial<CreateInput<M, N>> } = {},
  ): Promise<[Instance<M, N>, boolean]> {
    const found = await oneOrNull(this.filter(lookup as never))
    if (found) return [found as Instance<M, N>, false]
    return this.#createOrReread(lookup, { ...plainLookups(lookup as Record<string, unknown>), ...options.defaults })
  }

  /**
   * Update the row matching `lookup` with `defaults`, or create it from `lookup` and `createDefaults` (or
   * `defaults`); `[instance, created]`. The update runs in a transaction with the row locked (`SELECT … FOR
   * UPDATE` by primary key), and a concurrent create of the same unique row is caught and read again.
   *
   * The create and the locked update are separate transactions (unless the caller holds one): a loser of the
   * create race ends its transaction, and the locks its failed INSERT took with it, before it locks the winner's row,
   * so fifty concurrent calls queue on one row lock instead of deadlocking (InnoDB).
   *
   * @example
   * const [author] = await db.Author.updateOrCreate({ email: 'b@x.org' }, { defaults: { name: 'Bharat' } })
   */
  async updateOrCreate(
    lookup: Filter<M, N>,
    options: { defaults?: Partial<CreateInput<M, N>>; createDefaults?: Partial<CreateInput<M, N>> } = {},
  ): Promise<[Instance<M, N>, boolean]> {
    const defaults = (options.defaults ?? {}) as Record<string, unknown>
    const alias = this.db.writeAlias(this.state)
    const meta = this.state.model
    const names = Object.keys(defaults)
    const auto = meta.concreteFields.filter((f) => f.kind === 'datetime' && f.options.autoNow).map((f) => f.name)
    // Each round either creates the row, or updates it; another round only if it vanished in between.
    for (let round = 0; ; round++) {
      let found = (await oneOrNull(this.filter(lookup as never))) as Instance<M, N> | null
      if (!found) {
        const data = { ...plainLookups(lookup as Record<string, unknown>), ...(options.createDefaults ?? defaults) }
        const [made, created] = await this.#createOrReread(lookup, data)
        if (created) return [made, true]
        found = made
      }
      const pk = (found as unknown as Record<string, unknown>)[meta.pk.attname]
      const updated = await this.db.runner.atomic(alias, async () => {
        // Row locks where the database has them; SQLite's write transaction already locks the whole file.
        let locked = this.filter(lookup as never).filter({ pk } as never)
        if (this.db.runner.features(alias).supportsSelectForUpdate) locked = locked.selectForUpdate()
        const obj = (await oneOrNull(locked)) as Instance<M, N> | null
        if (!obj || names.length === 0) return obj
        const row = obj as unknown as Record<string, unknown>
        for (const k of names) row[k] = defaults[k]
        await (obj as unknown as { save(o: object): Promise<void> }).save({ updateFields: [...names, ...auto] })
        return obj
      })
      if (updated) return [updated, false]
      if (round >= 5) throw new DoesNotExist(meta.name)
    }
  }

  /**
   * Create the row in its own transaction (a savepoint inside the caller's); if a concurrent insert won the race
   * (IntegrityError), read the winner's row instead.
   */
  async #createOrReread(lookup: Filter<M, N>, data: Record<string, unknown>): Promise<[Instance<M, N>, boolean]> {
    const alias = this.db.writeAlias(this.state)
    try {
      return await this.db.runner.atomic(
        alias,
        async () => [await this.create(data as CreateInput<M, N>), true] as [Instance<M, N>, boolean],
      )
    } catch (e) {
      if (!(e instanceof IntegrityError)) throw e
      const again = await oneOrNull(this.filter(lookup as never))
      if (again) return [again as Instance<M, N>, false]
      // The conflict was on some other unique field than the lookup's: the insert really failed.
      throw e
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

/** The one row of `qs`, or null (MultipleObjectsReturned as `get`). */
async function oneOrNull(qs: { get(): Promise<unknown> }): Promise<unknown> {
  try {
    return await qs.get()
  } catch (e) {
    if (e instanceof DoesNotExist) return null
    throw e
  }
}

/** The exact-match part of a lookup (`{ name: 'orm' }`), usable as field values for a new row. */
function plainLookups(lookup: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(lookup)) if (!isPlainObject(v)) out[k] = v
  return out
}

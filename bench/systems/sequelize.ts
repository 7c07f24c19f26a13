// Sequelize 6 as its docs show it: `sequelize.define` models with associations, `findAll` with `include`,
// `findByPk`, the association getter (`post.getAuthor()`) for lazy loads. sqlite3 on SQLite (Sequelize's only
// SQLite driver), pg on PostgreSQL (which returns bigint keys as strings).
import { DataTypes, Op, Sequelize } from 'sequelize'
import { readInstant, sqliteDateText } from '../lib/instant.ts'
import { type Context, na, type Opened, type SystemDef } from '../lib/system.ts'
import {
  AUTHORS,
  CONCURRENT,
  CONCURRENT_ROUNDS,
  FETCH,
  type NewPost,
  PAGES,
  pageWord,
  W8_DEPTH,
  W8_FETCHES,
  W8_PAGE,
  w6Rows,
  w7Title,
} from '../lib/workloads.ts'
import { POOL } from './raw-postgres-js.ts'

async function open(ctx: Context): Promise<Opened> {
  const sqlite = ctx.backend === 'sqlite'
  const sequelize = sqlite
    ? new Sequelize({ dialect: 'sqlite', storage: ctx.location, logging: false })
    : new Sequelize(ctx.location, { dialect: 'postgres', logging: false, pool: { max: POOL } })
  // The data set holds SQLite datetimes as ISO-8601 text ('…T…Z', as quarry writes them). Sequelize's SQLite
  // parser appends the `timezone` option to datetime text without a '+' ("…Z+00:00": Invalid Date) and its
  // constructor refuses another timezone for SQLite; emptied afterwards, the parse is `new Date(text)`, the same
  // work. Only reads run here, so nothing else depends on it.
  if (sqlite) (sequelize as unknown as { options: { timezone: string } }).options.timezone = ''
  if (sqlite) await sequelize.query('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;')
  const key = sqlite ? DataTypes.INTEGER : DataTypes.BIGINT
  const Author = sequelize.define(
    'Author',
    {
      id: { type: key, primaryKey: true, autoIncrement: true },
      name: { type: DataTypes.STRING(100), allowNull: false },
      email: { type: DataTypes.STRING(254), allowNull: true },
    },
    { tableName: 'author', timestamps: false },
  )
  const Post = sequelize.define(
    'Post',
    {
      id: { type: key, primaryKey: true, autoIncrement: true },
      title: { type: DataTypes.STRING(200), allowNull: false },
      body: { type: DataTypes.TEXT, allowNull: false },
      views: { type: DataTypes.INTEGER, allowNull: false },
      published: { type: DataTypes.BOOLEAN, allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false, field: 'created_at' },
      authorId: { type: key, allowNull: false, field: 'author_id' },
    },
    { tableName: 'blog_post', timestamps: false },
  )
  Post.belongsTo(Author, { as: 'author', foreignKey: 'authorId' })
  Author.hasMany(Post, { as: 'posts', foreignKey: 'authorId' })
  const page = (w: string) =>
    Post.findAll({
      where: { published: true, title: { [sqlite ? Op.like : Op.iLike]: `%${w}%` } },
      order: [['createdAt', 'DESC']],
      limit: 20,
    })
  let bulk: NewPost[] | undefined
  let loop: NewPost[] | undefined
  let w7: Record<string, unknown>[] | undefined
  let w7run = 0
  let anchor: { createdAt: Date; id: number } | undefined
  const order: [string, string][] = [
    ['createdAt', 'DESC'],
    ['id', 'DESC'],
  ]
  // On SQLite Sequelize turns any value compared with a DATE attribute, Date or text, into its own
  // 'YYYY-MM-DD HH:MM:SS.SSS +00:00', which compares wrongly (as text) against the text the data set stores: the
  // keyset bound is given as that stored text, as a literal.
  const at = (d: Date) => (sqlite ? sequelize.literal(sequelize.escape(sqliteDateText(d))) : d)
  return {
    workloads: {
      // W6: Model.bulkCreate(rows), one call (Sequelize writes the values into the SQL text, so no parameter limit).
      W6: async () => {
        bulk ??= await w6Rows(ctx, false)
        await Post.bulkCreate(bulk as never[])
        return bulk.length
      },
      'W6-loop': async () => {
        loop ??= await w6Rows(ctx, true)
        for (const r of loop) await Post.create(r as never)
        return loop.length
      },
      // W7: bulkCreate with `updateOnDuplicate`, its documented way to write a different value per row
      // (INSERT … ON CONFLICT (id) DO UPDATE SET title = excluded.title).
      W7: async () => {
        w7 ??= (await Post.findAll({
          where: { id: { [Op.lte]: ctx.rows.update } },
          order: [['id', 'ASC']],
          raw: true,
        })) as never
        w7run++
        const n = w7run
        await Post.bulkCreate(w7!.map((r) => ({ ...r, title: w7Title(n, r.id as number) })) as never[], {
          updateOnDuplicate: ['title'],
        })
        return w7!.length
      },
      'W8-offset': async () => {
        let last: unknown[] = []
        for (let i = 0; i < W8_FETCHES; i++) last = await Post.findAll({ order, offset: W8_DEPTH, limit: W8_PAGE })
        return last
      },
      // Keyset: Sequelize has no cursor pagination; a where with Op.or on the ORDER BY's columns.
      'W8-keyset': async () => {
        if (!anchor) {
          const [a] = (await Post.findAll({ order, offset: W8_DEPTH - 1, limit: 1, raw: true })) as never as {
            createdAt: Date | string
            id: number
          }[]
          anchor = { createdAt: readInstant(a!.createdAt), id: Number(a!.id) }
        }
        const a = anchor
        let last: unknown[] = []
        for (let i = 0; i < W8_FETCHES; i++)
          last = await Post.findAll({
            where: {
              [Op.or]: [
                { createdAt: { [Op.lt]: at(a.createdAt) } },
                { createdAt: { [Op.eq]: at(a.createdAt) }, id: { [Op.lt]: a.id } },
              ],
            },
            order,
            limit: W8_PAGE,
          })
        return last
      },
      W9: na('Sequelize has no query cache'),
      W1: () =>
        Post.findAll({ include: [{ model: Author, as: 'author' }], order: [['createdAt', 'DESC']], limit: FETCH }),
      W2: () =>
        Author.findAll({
          include: [{ model: Post, as: 'posts' }],
          order: [
            ['id', 'ASC'],
            [{ model: Post, as: 'posts' }, 'createdAt', 'DESC'],
          ],
          limit: AUTHORS,
        }),
      W3: async () => {
        const out: [unknown, unknown][] = []
        for (const p of await Post.findAll({ order: [['createdAt', 'DESC']], limit: FETCH }))
          out.push([p, await (p as unknown as { getAuthor(): Promise<unknown> }).getAuthor()])
        return out
      },
      W4: async () => {
        const out = new Array(ctx.ids.length)
        for (let i = 0; i < ctx.ids.length; i++) out[i] = await Post.findByPk(ctx.ids[i]!, { rejectOnEmpty: true })
        return out
      },
      W5: async () => {
        const out = []
        for (let i = 0; i < PAGES; i++) out.push(await page(pageWord(i)))
        return out
      },
      W11: na('Sequelize 6 has no streaming or cursor API'),
      W12: sqlite
        ? na('PostgreSQL only')
        : async () => {
            const out = []
            for (let round = 0; round < CONCURRENT_ROUNDS; round++)
              out.push(...(await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => page(pageWord(i))))))
            return out
          },
    },
    close: () => sequelize.close(),
  }
}

export const system: SystemDef = {
  id: 'sequelize',
  label: 'Sequelize',
  packages: ['sequelize'],
  backends: { sqlite: true, postgres: true },
  open,
}

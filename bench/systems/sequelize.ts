// Sequelize 6 as its docs show it: `sequelize.define` models with associations, `findAll` with `include`,
// `findByPk`, the association getter (`post.getAuthor()`) for lazy loads. sqlite3 on SQLite (Sequelize's only
// SQLite driver), pg on PostgreSQL (which returns bigint keys as strings).
import { DataTypes, Op, Sequelize } from 'sequelize'
import { type Context, na, type Opened, type SystemDef } from '../lib/system.ts'
import { AUTHORS, CONCURRENT, CONCURRENT_ROUNDS, FETCH, PAGES, pageWord } from '../lib/workloads.ts'
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
  return {
    workloads: {
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

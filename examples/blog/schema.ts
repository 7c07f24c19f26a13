// The blog's models: the demo's blog (API.md §2), so the demo's data generator seeds them unchanged. The tables
// come from the migrations in ./migrations (`npx quarry makemigrations` in this folder after a change here).
import { type Db, defineSchema, f, index, model } from '../../src/index.ts'

const Author = model('Author', {
  name: f.string({ maxLength: 100 }),
  email: f.string({ maxLength: 254, unique: true, null: true }),
})

const Post = model(
  'Post',
  {
    title: f.string({ maxLength: 200, dbIndex: true }),
    body: f.text({ default: '' }),
    views: f.integer({ default: 0 }),
    published: f.boolean({ default: false }),
    createdAt: f.datetime({ autoNowAdd: true, dbIndex: true }),
    author: f.foreignKey('Author', { relatedName: 'posts', onDelete: 'cascade' }),
    tags: f.manyToMany('Tag', { relatedName: 'posts' }),
  },
  {
    table: 'blog_post',
    ordering: ['-createdAt'],
    // The second index is what `quarry advise` proposed after browsing the blog (docs/example-app.md): the feed,
    // the tag pages and search all read published posts newest first, and walk it in order to their LIMIT.
    indexes: [index(['author', '-createdAt']), index(['published', '-createdAt', '-id'])],
  },
)

const Tag = model('Tag', { name: f.string({ maxLength: 50, unique: true }) })

export const schema = defineSchema({ Author, Post, Tag })

export type BlogDb = Db<typeof schema.$models>

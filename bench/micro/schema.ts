import { defineSchema, f, index, model } from '../../src/index.ts'

/** The BENCHMARKS.md blog: Author, Post (~1 KB body), Tag with a many-to-many to Post. */
export const Author = model('Author', {
  name: f.string({ maxLength: 100 }),
  email: f.string({ maxLength: 254, unique: true, null: true }),
})

export const Post = model(
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
    indexes: [index(['author', '-createdAt'])],
  },
)

export const Tag = model('Tag', { name: f.string({ maxLength: 50, unique: true }) })

export const schema = defineSchema({ Author, Post, Tag })

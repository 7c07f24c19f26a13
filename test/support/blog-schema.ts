import { defineSchema, f, index, model } from '../../src/index.ts'

/** The seed's blog (django-performance-tips.md), as API.md §2 declares it, plus a profile for one-to-one. */
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
    indexes: [index(['author', '-createdAt']), index(['title'], { where: { published: true } })],
  },
)

export const Tag = model('Tag', { name: f.string({ maxLength: 50, unique: true }) })

export const Profile = model('Profile', {
  user: f.oneToOne('Author', { relatedName: 'profile', onDelete: 'cascade' }),
  bio: f.text({ default: '' }),
  website: f.string({ maxLength: 200, null: true }),
})

export const blogSchema = defineSchema({ Author, Post, Tag, Profile })
export type BlogModels = typeof blogSchema.$models

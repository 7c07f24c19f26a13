import { describe, expect, it } from 'vitest'
import { defineSchema, f, ImproperlyConfigured, index, model } from '../../src/index.ts'
import { blogSchema } from '../support/blog-schema.ts'

describe('defineSchema', () => {
  it('derives tables, snake_case columns, the implicit id and reverse relations', () => {
    const post = blogSchema.get('Post')
    expect(post.table).toBe('blog_post')
    expect(post.pk.name).toBe('id')
    expect(post.pk.kind).toBe('auto')
    expect(post.field('createdAt').column).toBe('created_at')
    expect(post.field('author').column).toBe('author_id')
    expect(post.field('author').attname).toBe('authorId')
    expect(blogSchema.get('Author').table).toBe('author')
    expect([...blogSchema.get('Author').reverse.keys()].sort()).toEqual(['posts', 'profile'])
    expect([...blogSchema.get('Tag').reverse.keys()]).toEqual(['posts'])
    const through = blogSchema.get('Post_tags')
    expect(through.table).toBe('blog_post_tags')
    expect(through.concreteFields.map((f) => f.column)).toEqual(['id', 'post_id', 'tag_id'])
  })

  it('defaults relatedName to <model>Set, one-to-one to the model name, and "+" to none', () => {
    const A = model('Author', { name: f.string({ maxLength: 10 }) })
    const B = model('BlogEntry', {
      author: f.foreignKey('Author'),
      editor: f.foreignKey('Author', { relatedName: '+', null: true }),
    })
    const P = model('Profile', { author: f.oneToOne('Author') })
    const s = defineSchema({ Author: A, BlogEntry: B, Profile: P })
    expect([...s.get('Author').reverse.keys()].sort()).toEqual(['blogEntrySet', 'profile'])
  })

  it('models may refer to each other in any order, and to themselves', () => {
    const Node = model('Node', { parent: f.foreignKey('Node', { null: true, relatedName: 'children' }) })
    const s = defineSchema({ Node })
    expect(s.get('Node').reverse.get('children')?.related.name).toBe('Node')
  })

  const bad: [string, () => unknown, RegExp][] = [
    [
      'unknown target model',
      () => defineSchema({ P: model('P', { a: f.foreignKey('Nope') }) }),
      /unknown model 'Nope'/,
    ],
    [
      'reverse relation clashing with a field',
      () =>
        defineSchema({
          A: model('A', { posts: f.integer() }),
          P: model('P', { a: f.foreignKey('A', { relatedName: 'posts' }) }),
        }),
      /Reverse relation 'posts' of P.a clashes with A.posts/,
    ],
    ['a lookup name as field name', () => defineSchema({ A: model('A', { in: f.integer() }) }), /'in' is reserved/],
    [
      'string without maxLength',
      () => defineSchema({ A: model('A', { s: f.string({} as { maxLength: number }) }) }),
      /maxLength/,
    ],
    ['key not matching the model name', () => defineSchema({ B: model('A', {}) }), /key 'B' holds model 'A'/],
    [
      'two primary keys',
      () => defineSchema({ A: model('A', { a: f.integer({ primaryKey: true }), b: f.integer({ primaryKey: true }) }) }),
      /more than one primary key/,
    ],
    [
      'index on an unknown field',
      () => defineSchema({ A: model('A', { a: f.integer() }, { indexes: [index(['b'])] }) }),
      /unknown field 'b'/,
    ],
    [
      'ordering by an unknown field',
      () => defineSchema({ A: model('A', { a: f.integer() }, { ordering: ['-b'] }) }),
      /unknown field 'b'/,
    ],
    [
      'two models on one table',
      () => defineSchema({ A: model('A', {}, { table: 't' }), B: model('B', {}, { table: 't' }) }),
      /both use table 't'/,
    ],
  ]
  for (const [what, run, message] of bad)
    it(`refuses ${what} with ImproperlyConfigured`, () => {
      expect(run).toThrow(ImproperlyConfigured)
      expect(run).toThrow(message)
    })

  it('takes an explicit primary key and column names', () => {
    const s = defineSchema({
      Country: model('Country', {
        code: f.string({ maxLength: 2, primaryKey: true }),
        name: f.string({ maxLength: 50, column: 'label' }),
      }),
    })
    expect(s.get('Country').pk.name).toBe('code')
    expect(s.get('Country').concreteFields.map((x) => x.column)).toEqual(['code', 'label'])
  })
})

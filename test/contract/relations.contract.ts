// Relations of every kind: forward keys, one-to-ones, reverse accessors, many-to-many (automatic join table and
// `through` a model), their managers, selectRelated joins, prefetching each kind, and only/defer across joins.
import { beforeAll, expect, it } from 'vitest'
import {
  DeferredFieldError,
  defineSchema,
  f,
  InvalidValueError,
  model,
  Prefetch,
  prefetchRelatedObjects,
  StateError,
} from '../../src/index.ts'
import { assertNumQueries, captureQueries } from '../../src/testing/index.ts'
import { describeEachBackend } from '../support/backends.ts'

const Person = model('Person', { name: f.string({ maxLength: 50 }) })
const Profile = model('Profile', {
  person: f.oneToOne('Person', { relatedName: 'profile' }),
  bio: f.text({ default: '' }),
})
const Article = model(
  'Article',
  {
    title: f.string({ maxLength: 100 }),
    body: f.text({ default: '' }),
    writer: f.foreignKey('Person', { relatedName: 'articles' }),
    editor: f.foreignKey('Person', { relatedName: 'edited', null: true, onDelete: 'setNull' }),
    labels: f.manyToMany('Label', { relatedName: 'articles' }),
  },
  { ordering: ['title'] },
)
const Label = model('Label', { name: f.string({ maxLength: 30, unique: true }) }, { ordering: ['name'] })
const Note = model(
  'Note',
  {
    article: f.foreignKey('Article', { relatedName: 'notes' }),
    replyTo: f.foreignKey('Note', { relatedName: 'replies', null: true, onDelete: 'setNull' }),
    text: f.string({ maxLength: 100 }),
  },
  { ordering: ['text'] },
)
const Club = model('Club', {
  name: f.string({ maxLength: 50 }),
  members: f.manyToMany('Person', { through: 'Membership', relatedName: 'clubs' }),
})
const Membership = model('Membership', {
  person: f.foreignKey('Person'),
  club: f.foreignKey('Club'),
  role: f.string({ maxLength: 20, default: 'member' }),
})
const schema = defineSchema({ Person, Profile, Article, Label, Note, Club, Membership })

describeEachBackend('relations', (b) => {
  let db: Awaited<ReturnType<typeof b.connect<typeof schema.$models>>>
  const ids: Record<string, number> = {}

  beforeAll(async () => {
    db = await b.connect(schema, { nPlusOne: 'off' })
    const ann = await db.Person.create({ name: 'Ann' })
    const bob = await db.Person.create({ name: 'Bob' })
    const cy = await db.Person.create({ name: 'Cy' })
    await db.Profile.create({ person: ann, bio: 'Ann bio' })
    const red = await db.Label.create({ name: 'red' })
    const blue = await db.Label.create({ name: 'blue' })
    const a1 = await db.Article.create({ title: 'a1', body: 'long body', writer: ann, editor: bob })
    const a2 = await db.Article.create({ title: 'a2', writer: ann })
    const b1 = await db.Article.create({ title: 'b1', writer: bob, editor: ann })
    await a1.labels.add(red, blue)
    await a2.labels.add(red.id)
    const n1 = await db.Note.create({ article: a1, text: 'n1' })
    await db.Note.create({ article: a1, text: 'n2', replyTo: n1 })
    await db.Note.create({ article: b1, text: 'n3' })
    const club = await db.Club.create({ name: 'chess' })
    await club.members.add(ann, cy)
    Object.assign(ids, {
      ann: ann.id,
      bob: bob.id,
      cy: cy.id,
      a1: a1.id,
      a2: a2.id,
      b1: b1.id,
      red: red.id,
      blue: blue.id,
    })
  })

  it('an unloaded forward key is an awaitable reference; its id needs no query; the load is cached', async () => {
    const art = await db.Article.get({ title: 'a1' })
    await assertNumQueries(db, 0, () => expect(art.writer.id).toBe(ids.ann))
    const writer = await assertNumQueries(db, 1, async () => await art.writer)
    expect(writer.name).toBe('Ann')
    await assertNumQueries(db, 1, async () => expect((await art.editor)?.name).toBe('Bob'))
    await assertNumQueries(db, 0, async () => expect((await art.writer).name).toBe('Ann'))
    const a2 = await db.Article.get({ title: 'a2' })
    expect(a2.editor).toBeNull()
  })

  it('selectRelated: nested paths in one query, INNER JOIN for required keys and LEFT JOIN for nullable ones', async () => {
    const queries = await captureQueries(db, async () => {
      const notes = await db.Note.selectRelated('article.writer', 'article.editor', 'replyTo')
      expect(
        notes.map((n) => [n.text, n.article.writer.name, n.article.editor?.name ?? null, n.replyTo?.text ?? null]),
      ).toEqual([
        ['n1', 'Ann', 'Bob', null],
        ['n2', 'Ann', 'Bob', 'n1'],
        ['n3', 'Bob', 'Ann', null],
      ])
    })
    expect(queries).toHaveLength(1)
    const joins = queries[0]!.sql.match(/(INNER|LEFT) JOIN/g)
    // article and article.writer are required; article.editor and replyTo are nullable.
    expect(joins!.sort()).toEqual(['INNER JOIN', 'INNER JOIN', 'LEFT JOIN', 'LEFT JOIN'])
    // Below a nullable key every join is LEFT, even for a required key (a note without replyTo stays in).
    const below = await captureQueries(db, async () => {
      const notes = await db.Note.selectRelated('replyTo.article')
      expect(notes.map((n) => n.replyTo?.article.title ?? null)).toEqual([null, 'a1', null])
    })
    expect(below[0]!.sql.match(/(INNER|LEFT) JOIN/g)).toEqual(['LEFT JOIN', 'LEFT JOIN'])
  })

  it('a reverse one-to-one is awaitable, or the instance (or null) once selected from its side or prefetched', async () => {
    const [ann, bob] = await db.Person.filter({ name: { in: ['Ann', 'Bob'] } }).orderBy('name')
    expect((await ann!.profile)?.bio).toBe('Ann bio')
    expect(await bob!.profile).toBeNull()
    const people = await assertNumQueries(db, 2, () => db.Person.prefetchRelated('profile').orderBy('name'))
    expect(people.map((p) => p.profile?.bio ?? null)).toEqual(['Ann bio', null, null])
    // The one-to-one's other side is known too.
    await assertNumQueries(db, 0, async () => expect((await people[0]!.profile!.person).name).toBe('Ann'))
  })

  it('prefetchRelated loads every kind of relation with one query per level', async () => {
    await assertNumQueries(db, 6, async () => {
      const people = await db.Person.prefetchRelated('articles.labels', 'articles.notes', 'edited', 'clubs').orderBy(
        'name',
      )
      expect(people.map((p) => p.articles.map((a) => `${a.title}:${a.labels.map((l) => l.name).join('+')}`))).toEqual([
        ['a1:blue+red', 'a2:red'],
        ['b1:'],
        [],
      ])
      expect(people[0]!.articles[0]!.notes.map((n) => n.text)).toEqual(['n1', 'n2'])
      expect(people.map((p) => p.edited.map((a) => a.title))).toEqual([['b1'], ['a1'], []])
      expect(people.map((p) => p.clubs.map((c) => c.name))).toEqual([['chess'], [], ['chess']])
    })
    const labels = await assertNumQueries(db, 2, () => db.Label.prefetchRelated('articles'))
    expect(labels.map((l) => [l.name, l.articles.map((a) => a.title)])).toEqual([
      ['blue', ['a1']],
      ['red', ['a1', 'a2']],
    ])
    const clubs = await assertNumQueries(db, 2, () => db.Club.prefetchRelated('members'))
    expect(clubs[0]!.members.map((m) => m.name).sort()).toEqual(['Ann', 'Cy'])
  })

  it('prefetchRelated combines with selectRelated without loading a level twice', async () => {
    await assertNumQueries(db, 2, async () => {
      const notes = await db.Note.selectRelated('article.writer').prefetchRelated('article.writer.articles')
      expect(notes.map((n) => n.article.writer.articles.length)).toEqual([2, 2, 1])
    })
    // The same level named twice loads once.
    await assertNumQueries(db, 3, () => db.Person.prefetchRelated('articles', 'articles.labels', 'articles'))
  })

  it('keys are deduplicated, and split under the parameter limit where an array is not one parameter', async () => {
    const features = db.executor.backend('default').features
    const queries = await captureQueries(db, () => db.Article.prefetchRelated('writer'))
    expect(queries).toHaveLength(2)
    // Ann and Bob, not Ann twice: one array parameter on PostgreSQL, one placeholder per key elsewhere.
    expect(queries[1]!.sql).toBe(
      {
        sqlite: 'SELECT "person"."id", "person"."name" FROM "person" WHERE "person"."id" IN (?, ?)',
        postgres: 'SELECT "person"."id", "person"."name" FROM "person" WHERE "person"."id" = ANY($1)',
        mysql: 'SELECT `person`.`id`, `person`.`name` FROM `person` WHERE `person`.`id` IN (?, ?)',
      }[b.vendor],
    )
    if (features.hasArrayParams) return
    const limit = features.maxBindParams
    Object.defineProperty(features, 'maxBindParams', { value: 17, configurable: true })
    try {
      const many = await db.Note.filter({ text: { in: Array.from({ length: 1 }, () => 'n1') } }).all()
      expect(many).toHaveLength(1)
      const people = await db.Person.all()
      const parents = Array.from({ length: 40 }, (_, i) => people[i % 3]!)
      await prefetchRelatedObjects(parents, 'articles')
      const split = await captureQueries(db, async () => {
        const arts = await db.Article.all()
        const ids = arts.map((a) => a.id)
        // 3 real articles among 30 keys: 2 queries of 16 keys at most (17 minus the margin is 1).
        await db.Note.filter({ article: { in: [...ids, ...Array.from({ length: 27 }, (_, i) => 1000 + i)] } })
      })
      expect(split).toHaveLength(2)
    } finally {
      Object.defineProperty(features, 'maxBindParams', { value: limit, configurable: true })
    }
  })

  it('many-to-many managers: filter, count, add, remove, set, clear, create, from either side', async () => {
    const a1 = await db.Article.get({ title: 'a1' })
    expect((await a1.labels).map((l) => l.name)).toEqual(['blue', 'red'])
    expect(await a1.labels.filter({ name: 'red' }).count()).toBe(1)
    const green = await a1.labels.create({ name: 'green' })
    expect(await a1.labels.count()).toBe(3)
    await a1.labels.add(green, ids.red!) // already linked: nothing inserted twice
    expect(await a1.labels.count()).toBe(3)
    await a1.labels.remove(green)
    expect((await a1.labels.valuesList('name', { flat: true })).sort()).toEqual(['blue', 'red'])
    await a1.labels.set([green.id, ids.red!])
    expect((await a1.labels).map((l) => l.name)).toEqual(['green', 'red'])
    expect((await green.articles).map((a) => a.title)).toEqual(['a1'])
    await green.articles.clear()
    expect(await a1.labels.count()).toBe(1)
    await a1.labels.set([ids.red!, ids.blue!])
    await green.delete()
  })

  it('a through model with extra fields: add fills defaults; the join rows are real rows', async () => {
    const club = await db.Club.get({ name: 'chess' })
    const bob = await db.Person.get({ name: 'Bob' })
    await club.members.add(bob)
    expect(await db.Membership.filter({ club, person: bob, role: 'member' }).count()).toBe(1)
    expect((await bob.clubs).map((c) => c.name)).toEqual(['chess'])
    await club.members.remove(bob)
    expect(await db.Membership.filter({ club }).count()).toBe(2)
  })

  it('reverse foreign key managers: create and add link, remove and clear need a nullable key', async () => {
    const cy = await db.Person.get({ name: 'Cy' })
    const draft = await cy.articles.create({ title: 'c1' })
    expect(draft.writerId).toBe(cy.id)
    const b1 = await db.Article.get({ title: 'b1' })
    await cy.edited.add(b1)
    expect(b1.editorId).toBe(cy.id)
    expect((await cy.edited).map((a) => a.title)).toEqual(['b1'])
    await cy.edited.remove(b1)
    expect((await db.Article.get({ title: 'b1' })).editorId).toBeNull()
    await expect(cy.articles.remove(draft)).rejects.toBeInstanceOf(InvalidValueError)
    await expect(cy.articles.clear()).rejects.toThrow('cannot be null')
    await b1.save() // editor back to none
    await (await db.Article.get({ title: 'b1' })).refreshFromDb()
    await db.Article.filter({ title: 'b1' }).update({ editor: ids.ann })
    await draft.delete()
  })

  it('writes through a manager drop the prefetched array', async () => {
    const a2 = await db.Article.get({ title: 'a2' })
    const labels = a2.labels
    await prefetchRelatedObjects([a2], 'labels')
    expect((a2.labels as unknown as { name: string }[]).map((l) => l.name)).toEqual(['red'])
    await labels.add(ids.blue!)
    expect(Array.isArray(a2.labels)).toBe(false)
    expect((await a2.labels).map((l) => l.name)).toEqual(['blue', 'red'])
    await a2.labels.remove(ids.blue!)
  })

  it('iterating a relation that was not prefetched is an error that says what to do', async () => {
    const ann = await db.Person.get({ name: 'Ann' })
    const run = () => {
      // @ts-expect-error: not prefetched, so not iterable
      for (const a of ann.articles) expect(a).toBeDefined()
    }
    expect(run).toThrow(StateError)
    expect(run).toThrow(".prefetchRelated('articles')")
    const [loaded] = await db.Person.filter({ name: 'Ann' }).prefetchRelated('articles')
    expect([...loaded!.articles].map((a) => a.title)).toEqual(['a1', 'a2'])
  })

  it('Prefetch: its QuerySet can select, filter and nest; paths through its `to` attribute work', async () => {
    const people = await assertNumQueries(db, 3, () =>
      db.Person.prefetchRelated(
        Prefetch('articles', db.Article.selectRelated('editor').filter({ editor: { isnull: false } }), {
          to: 'editedByOthers',
        }),
        'editedByOthers.notes' as never,
      ).orderBy('name'),
    )
    expect(people[0]!.editedByOthers.map((a) => [a.title, a.editor?.name])).toEqual([['a1', 'Bob']])
    const notes = (people[0]!.editedByOthers[0] as unknown as { notes: { text: string }[] }).notes
    expect(notes.map((n) => n.text)).toEqual(['n1', 'n2'])
    expect(() => db.Person.prefetchRelated(Prefetch('articles', db.Article.all(), { to: 'name' }))).not.toThrow()
    await expect(db.Person.prefetchRelated(Prefetch('articles', db.Article.all(), { to: 'name' }))).rejects.toThrow(
      'already a field',
    )
    await expect(db.Person.prefetchRelated(Prefetch('articles', db.Label.all()))).rejects.toThrow('QuerySet of Article')
    await expect(db.Person.prefetchRelated('nope' as 'articles')).rejects.toThrow("Cannot prefetch 'nope'")
  })

  it('only() and defer() across selectRelated: unloaded fields throw DeferredFieldError, never a query', async () => {
    const [art] = await db.Article.selectRelated('writer').only('title', 'writer.name').filter({ title: 'a1' })
    expect(art!.title).toBe('a1')
    expect(art!.writer.name).toBe('Ann')
    await assertNumQueries(db, 0, () => {
      // @ts-expect-error: body was not loaded
      expect(() => art!.body).toThrow(DeferredFieldError)
    })
    const [deferred] = await db.Article.selectRelated('writer').defer('body', 'writer.name').filter({ title: 'a1' })
    expect(deferred!.title).toBe('a1')
    // @ts-expect-error: deferred
    expect(() => deferred!.writer.name).toThrow(DeferredFieldError)
    // @ts-expect-error: deferred
    expect(() => deferred!.body).toThrow("Add 'body' to only()")
  })
})

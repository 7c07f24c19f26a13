// Drizzle's declaration of the tables quarry creates, for SQLite and PostgreSQL, with their relations.
import { relations } from 'drizzle-orm'
import { bigint, boolean, integer as pgInteger, pgTable, text as pgText, timestamp, varchar } from 'drizzle-orm/pg-core'
import { customType, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { readInstant, sqliteDateText } from '../lib/instant.ts'

/**
 * The data sets store SQLite datetimes as text (ISO-8601, or `2020-03-10 10:30:50.897` as quarry writes them, both
 * UTC): a custom type maps them to Date, and writes the second form, so a bound datetime compares right with the
 * 100,000-post set's (W8's keyset).
 */
const isoDate = customType<{ data: Date; driverData: string }>({
  dataType: () => 'datetime',
  fromDriver: (v) => readInstant(v),
  toDriver: (d) => sqliteDateText(d),
})

export const sqliteAuthors = sqliteTable('author', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  email: text('email'),
})

export const sqlitePosts = sqliteTable('blog_post', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  title: text('title').notNull(),
  body: text('body').notNull(),
  views: integer('views').notNull(),
  published: integer('published', { mode: 'boolean' }).notNull(),
  createdAt: isoDate('created_at').notNull(),
  authorId: integer('author_id')
    .notNull()
    .references(() => sqliteAuthors.id),
})

export const sqliteAuthorRelations = relations(sqliteAuthors, ({ many }) => ({ posts: many(sqlitePosts) }))
export const sqlitePostRelations = relations(sqlitePosts, ({ one }) => ({
  author: one(sqliteAuthors, { fields: [sqlitePosts.authorId], references: [sqliteAuthors.id] }),
}))

// quarry's PostgreSQL keys are bigint identity columns; `mode: 'number'` reads them as numbers, as quarry does.
export const pgAuthors = pgTable('author', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  name: varchar('name', { length: 100 }).notNull(),
  email: varchar('email', { length: 254 }),
})

export const pgPosts = pgTable('blog_post', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  title: varchar('title', { length: 200 }).notNull(),
  body: pgText('body').notNull(),
  views: pgInteger('views').notNull(),
  published: boolean('published').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  authorId: bigint('author_id', { mode: 'number' })
    .notNull()
    .references(() => pgAuthors.id),
})

export const pgAuthorRelations = relations(pgAuthors, ({ many }) => ({ posts: many(pgPosts) }))
export const pgPostRelations = relations(pgPosts, ({ one }) => ({
  author: one(pgAuthors, { fields: [pgPosts.authorId], references: [pgAuthors.id] }),
}))

export const sqliteSchema = {
  authors: sqliteAuthors,
  posts: sqlitePosts,
  authorRelations: sqliteAuthorRelations,
  postRelations: sqlitePostRelations,
}
export const pgSchema = {
  authors: pgAuthors,
  posts: pgPosts,
  authorRelations: pgAuthorRelations,
  postRelations: pgPostRelations,
}

// For each schema of the test suite: the initial migration makemigrations writes, applied by migrate, gives the
// same tables as createTables() (read back with the introspector); and the models inspectdb writes for that
// database give the same tables again.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, expect, it } from 'vitest'
import { connect, type Database, defineSchema } from '../../../src/index.ts'
import { detectChanges } from '../../../src/migrations/autodetector.ts'
import { inspectDatabase } from '../../../src/migrations/inspectdb.ts'
import { ProjectState } from '../../../src/migrations/state.ts'
import { writeMigration } from '../../../src/migrations/writer.ts'
import type { Schema } from '../../../src/model/schema.ts'
import { describeEachBackend } from '../../support/backends.ts'
import { blogSchema } from '../../support/blog-schema.ts'
import { fieldTypesSchema, kitchenSchema, relationsSchema } from '../../support/schemas.ts'

const schemas: Record<string, Schema> = {
  blog: blogSchema,
  fieldTypes: fieldTypesSchema,
  kitchen: kitchenSchema,
  relations: relationsSchema,
}

/** Everything the introspector reports, in a stable order. */
async function describeDb(db: Database): Promise<unknown> {
  const intro = db.executor.backend('default').introspector
  const out: Record<string, unknown> = {}
  for (const table of (await intro.tables()).filter((t) => t !== 'quarry_migrations' && t !== 'sqlite_sequence')) {
    out[table] = {
      columns: await intro.columns(table),
      indexes: (await intro.indexes(table)).sort((a, b) => a.name.localeCompare(b.name)),
      foreignKeys: await intro.foreignKeys(table),
    }
  }
  return out
}

function withoutPartialIndexes(d: unknown): unknown {
  const out = structuredClone(d) as Record<string, { indexes: { partial: boolean }[] }>
  for (const t of Object.values(out)) t.indexes = t.indexes.filter((ix) => !ix.partial)
  return out
}

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'quarry-roundtrip-'))
  dirs.push(d)
  return d
}
const noRenames = { given: () => undefined }

async function migrateFresh(url: string, schema: Schema): Promise<Database> {
  const dir = tmp()
  const ops = await detectChanges(new ProjectState(), ProjectState.fromSchema(schema), noRenames)
  writeFileSync(join(dir, '0001_initial.ts'), writeMigration({ dependencies: [], operations: ops }))
  const db = await connect(url, defineSchema({}))
  await db.migrate({ dir })
  return db
}

describeEachBackend('makemigrations + migrate = createTables, and inspectdb reads it back', (backend) => {
  for (const [name, schema] of Object.entries(schemas))
    it(`${name} schema`, async () => {
      const created = await backend.connect(schema)
      const expected = await describeDb(created as unknown as Database)
      const migrated = await migrateFresh(await backend.freshUrl(), schema)
      try {
        expect(await describeDb(migrated)).toEqual(expected)

        const models = await inspectDatabase(migrated.executor.backend('default'))
        // A partial index's condition cannot be read back as a filter: inspectdb leaves a comment to finish it.
        const partial = JSON.stringify(expected).includes('"partial":true')
        if (partial) expect(models).toContain('// partial index blog_post_title_')
        const file = join(tmp(), 'models.ts')
        writeFileSync(file, models)
        const inspected = (await import(pathToFileURL(file).href)) as { schema: Schema }
        const again = await migrateFresh(await backend.freshUrl(), inspected.schema)
        try {
          expect(await describeDb(again)).toEqual(partial ? withoutPartialIndexes(expected) : expected)
        } finally {
          await again.close()
        }
      } finally {
        await migrated.close()
      }
    })
})

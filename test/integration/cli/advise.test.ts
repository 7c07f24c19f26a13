// `quarry advise` through the real bin: a project with a slow filtered+ordered page recorded by the profiler's
// store; the command prints the index to add and exits 0.
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { profiler } from '../../../src/http/index.ts'
import { connect, defineSchema, f, model, sql } from '../../../src/index.ts'
import { CliProject } from '../../support/cli-project.ts'

const Event = model(
  'Event',
  { kind: f.string({ maxLength: 20 }), createdAt: f.datetime() },
  { table: 'advise_cli_event' },
)
const schema = defineSchema({ Event })
let project: CliProject

beforeAll(async () => {
  project = new CliProject('sqlite:./app.db')
  project.models(`export const Event = model('Event', { kind: f.string({ maxLength: 20 }), createdAt: f.datetime() }, { table: 'advise_cli_event' })
export const schema = defineSchema({ Event })`)
  const db = await connect(`sqlite:${join(project.dir, 'app.db')}`, schema)
  await db.createTables()
  await db.execute(sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
    INSERT INTO advise_cli_event (kind, created_at) SELECT 'k' || (i % 20), strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || i || ' minutes') FROM n`)
  const prof = profiler(db, { store: join(project.dir, '.quarry/profile.jsonl') })
  const app = prof.wrap(async () =>
    Response.json((await db.Event.filter({ kind: 'k3' }).orderBy('-createdAt').slice(0, 20).fetch()).length),
  )
  for (let i = 0; i < 5; i++) await app(new Request('http://app/events'))
  await prof.close()
  await db.close()
})
afterAll(() => project?.remove())

it('quarry advise prints the index for the recorded page', async () => {
  const r = await project.run(['advise'])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  expect(r.stdout).toContain("Event: add  indexes: [index(['kind', '-createdAt'])]")
})

it('quarry advise --help names its options', async () => {
  const r = await project.run(['advise', '--help'])
  expect(r.code).toBe(0)
  expect(r.stdout).toContain('--min-calls')
})

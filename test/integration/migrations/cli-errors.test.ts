// Bad input gets a clear error naming the file or the fix, and the right exit code (1 error, 2 usage).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CliProject } from '../../support/cli-project.ts'

// Each test spawns the CLI several times (a Node process with type stripping, ~0.8 s of CPU each); on a loaded
// 2-core machine that is 2–5 s of wall time per spawn, which the default 20 s budget did not cover.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 })

const models = `
const Post = model('Post', { title: f.string({ maxLength: 200 }) })
export const schema = defineSchema({ Post })`
const ANSI = new RegExp(String.fromCharCode(27) + '\\[')

describe('quarry CLI: bad input', () => {
  let p: CliProject
  beforeAll(async () => {
    p = new CliProject('sqlite:./app.db')
    p.models(models)
    expect((await p.run(['makemigrations'])).code).toBe(0)
  })
  afterAll(() => p.remove())

  it('usage: no command, an unknown command or flag exit 2; --help for each command exits 0, without colours', async () => {
    expect((await p.run([])).code).toBe(2)
    const unknown = await p.run(['migrat'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("Unknown command 'migrat'")
    const flag = await p.run(['migrate', '--nope'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain("Unknown option '--nope'")
    expect(flag.stderr).toContain('Usage: quarry migrate [target]')
    for (const cmd of [
      'makemigrations',
      'migrate',
      'sqlmigrate',
      'showmigrations',
      'squashmigrations',
      'inspectdb',
      'check',
    ]) {
      const h = await p.run([cmd, '--help'])
      expect(h.code, cmd).toBe(0)
      expect(h.stdout).toContain(`Usage: quarry ${cmd}`)
      expect(h.stdout).not.toMatch(ANSI)
    }
    const bad = await p.run(['makemigrations', '--rename', 'nonsense'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--rename Model.old=new')
    expect((await p.run(['sqlmigrate'])).code).toBe(2)
  })

  it('a migration file with a syntax error names the file', async () => {
    p.write(
      'migrations/0002_broken.ts',
      "import { migration } from 'quarry/migrations'\nexport default migration({ dependencies: ['0001_initial'], operations: [ })\n",
    )
    const r = await p.run(['migrate'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('Cannot load migration migrations/0002_broken.ts')
    expect(r.stdout).not.toContain('Applying')
    p.write('migrations/0002_broken.ts', 'export default { dependencies: [] }\n')
    const r2 = await p.run(['migrate'])
    expect(r2.stderr).toContain('Migration migrations/0002_broken.ts has no default export made by migration({...})')
  })

  it('a missing dependency and a cycle name the files', async () => {
    p.write(
      'migrations/0002_broken.ts',
      "import { migration } from 'quarry/migrations'\nexport default migration({ dependencies: ['0009_nope'], operations: [] })\n",
    )
    const r = await p.run(['showmigrations'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("Migration migrations/0002_broken.ts depends on '0009_nope', which does not exist.")
    p.write(
      'migrations/0002_broken.ts',
      "import { migration } from 'quarry/migrations'\nexport default migration({ dependencies: ['0003_loop'], operations: [] })\n",
    )
    p.write(
      'migrations/0003_loop.ts',
      "import { migration } from 'quarry/migrations'\nexport default migration({ dependencies: ['0002_broken'], operations: [] })\n",
    )
    const c = await p.run(['migrate'])
    expect(c.code).toBe(1)
    expect(c.stderr).toMatch(
      /cycle: 0002_broken -> 0003_loop -> 0002_broken|cycle: 0003_loop -> 0002_broken -> 0003_loop/,
    )
    p.write(
      'migrations/0002_broken.ts',
      "import { migration } from 'quarry/migrations'\nexport default migration({ dependencies: ['0001_initial'], operations: [] })\n",
    )
    p.write(
      'migrations/0003_loop.ts',
      "import { migration } from 'quarry/migrations'\nexport default migration({ dependencies: ['0002_broken'], operations: [] })\n",
    )
  })

  it('an unknown target lists the migrations', async () => {
    const r = await p.run(['migrate', '0042'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      "No migration '0042'. Migrations: 0001_initial, 0002_broken, 0003_loop; or 'zero' to unapply everything.",
    )
  })

  it('a schema module without `schema`, and a missing config', async () => {
    p.write(
      'src/schema.ts',
      "import { f, model } from 'quarry'\nexport const Post = model('Post', { title: f.string({ maxLength: 200 }) })\n",
    )
    const r = await p.run(['makemigrations'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('src/schema.ts has no export `schema`. Add: export const schema = defineSchema({ … })')
    p.models(models)
    const none = await p.run(['migrate', '--config', 'elsewhere.config.ts'])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('--config elsewhere.config.ts: no such file.')
  })

  it('a database that is down: the URL without its password, and what to check', async () => {
    const r = await p.run(['migrate'], { DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:1/app' })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("Cannot connect to database 'default' at postgres://app:***@127.0.0.1:1/app")
    expect(r.stderr).toContain('Check that the server is running and the URL in quarry.config.ts.')
    expect(r.stderr).not.toContain('s3cret')
  })

  it('check: the linter fails on unsafe operations unless they are marked', async () => {
    p.write(
      'migrations/0004_drop.ts',
      "import { f } from 'quarry'\nimport { migration, op } from 'quarry/migrations'\nexport default migration({ dependencies: ['0003_loop'], operations: [op.addField('Post', 'legacy', f.text({ null: true })), op.removeField('Post', 'legacy')] })\n",
    )
    const r = await p.run(['check'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      'migrations/0004_drop.ts, operation 2 (Remove field legacy from Post): drops column Post.legacy',
    )
    expect(r.stderr).toContain("Mark it { unsafe: 'why it is safe here' } to accept it.")
    p.write(
      'migrations/0004_drop.ts',
      "import { f } from 'quarry'\nimport { migration, op } from 'quarry/migrations'\nexport default migration({ dependencies: ['0003_loop'], operations: [op.addField('Post', 'legacy', f.text({ null: true })), op.removeField('Post', 'legacy', { unsafe: 'never deployed' })] })\n",
    )
    const ok = await p.run(['check'])
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain('System check identified no issues (1 models, 4 migrations).')
  })
})

// In a terminal makemigrations asks about renames, and output is coloured. `script` gives the CLI a real pty.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, CliProject } from '../../support/cli-project.ts'

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0
const ESC = String.fromCharCode(27)

describe.skipIf(!hasScript)('quarry in a terminal', () => {
  let p: CliProject
  beforeAll(async () => {
    p = new CliProject('sqlite:./app.db')
    p.models(
      "const Post = model('Post', { title: f.string({ maxLength: 200 }) })\nexport const schema = defineSchema({ Post })",
    )
    expect((await p.run(['makemigrations'])).code).toBe(0)
    p.models(
      "const Post = model('Post', { headline: f.string({ maxLength: 200 }) })\nexport const schema = defineSchema({ Post })",
    )
  })
  afterAll(() => p.remove())

  /** Run the CLI on a pseudo-terminal, typing `input`. */
  const inTerminal = (args: string, input: string) => {
    // A developer's terminal: Node's colour detection turns colours off under CI=true or without TERM, which the
    // CI run has; the CLI's own rule (colours only on a TTY, never with NO_COLOR) is what this test checks.
    const { NO_COLOR: _, CI: _ci, ...env } = process.env
    return spawnSync('script', ['-qec', `${process.execPath} ${BIN} ${args}`, '/dev/null'], {
      cwd: p.dir,
      input,
      encoding: 'utf8',
      env: { ...env, TERM: 'xterm-256color', DATABASE_URL: p.url },
      timeout: 60_000,
    })
  }

  it('asks about a rename; "n" removes and adds, with coloured warnings', () => {
    const r = inTerminal('makemigrations --dry-run', 'n\n')
    expect(r.stdout).toContain('Did you rename Post.title to Post.headline? [y/N]')
    expect(r.stdout).toContain('Remove field title from Post')
    expect(r.stdout).toContain('Add field headline to Post')
    expect(r.stdout).toContain(`${ESC}[33m`) // the linter's warning, in yellow on a terminal
    expect(p.migrations()).toEqual(['0001_initial.ts'])
  })

  it('"y" writes a renameField', () => {
    const r = inTerminal('makemigrations', 'y\n')
    expect(r.status).toBe(0)
    expect(p.migrations()).toEqual(['0001_initial.ts', '0002_rename_title_post_headline.ts'])
    expect(readFileSync(join(p.dir, 'migrations', '0002_rename_title_post_headline.ts'), 'utf8')).toContain(
      "op.renameField('Post', 'title', 'headline')",
    )
  })
})

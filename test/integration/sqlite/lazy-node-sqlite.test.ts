// Issue 9, "Also": `import 'quarry'` must work on a Node without node:sqlite (PostgreSQL and MySQL users), and a
// SQLite URL there must fail with an error naming Node 24. A child process plays such a Node: a resolve hook makes
// `node:sqlite` unknown, as it is on Node 20.
import { execFileSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { expect, it } from 'vitest'

it('imports without node:sqlite, and a SQLite URL then says Node 24 is needed', () => {
  const index = pathToFileURL(new URL('../../../src/index.ts', import.meta.url).pathname).href
  const script = `
    import { registerHooks } from 'node:module'
    registerHooks({
      resolve(specifier, context, next) {
        if (specifier === 'node:sqlite' || specifier === 'sqlite')
          throw Object.assign(new Error('No such built-in module: node:sqlite'), { code: 'ERR_UNKNOWN_BUILTIN_MODULE' })
        return next(specifier, context)
      },
    })
    const quarry = await import(${JSON.stringify(index)})
    const schema = quarry.defineSchema({ Thing: quarry.model('Thing', { name: quarry.f.string({ maxLength: 10 }) }) })
    const err = await quarry.connect('sqlite::memory:', schema).then(() => null, (e) => e)
    console.log(JSON.stringify({ imported: typeof quarry.connect, name: err?.name, message: err?.message }))
  `
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  const result = JSON.parse(out.trim().split('\n').pop()!) as { imported: string; name: string; message: string }
  expect(result.imported).toBe('function')
  expect(result.name).toBe('ImproperlyConfigured')
  expect(result.message).toContain('Node 24')
})

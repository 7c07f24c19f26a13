import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

// A model class whose constructor holds its properties in a dictionary makes V8 allocate every instance through a
// slow path: mapping 1,000 posts with their authors took ~4× as long (bench/notes.md, "Third pass"). Naming a class
// through a computed key or `defineProperty(cls, 'name')` does that, so this checks the classes quarry builds, in a
// child process where V8's own check is available (`--allow-natives-syntax`).
it('model classes (and the classes of deferred loads) keep fast properties, their names and their statics', () => {
  const script = `
    const { schema } = await import('./examples/demo/schema.ts')
    const { deferredClass, ModelInstance } = await import('./src/model/instance.ts')
    const fast = new Function('o', 'return %HasFastProperties(o)')
    const out = []
    for (const meta of schema.models()) {
      const cls = meta.instanceClass
      const deferred = deferredClass(meta, meta.concreteFields.filter((f) => f !== meta.pk).slice(0, 1))
      out.push({
        name: meta.name,
        cls: [cls.name, fast(cls), cls.meta === meta, new cls() instanceof ModelInstance],
        deferred: [deferred.name, fast(deferred), deferred.meta === meta, new deferred() instanceof cls, deferred.deferred.size],
      })
    }
    console.log(JSON.stringify(out))
  `
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  })
  const classes = JSON.parse(out.trim().split('\n').pop()!) as { name: string; cls: unknown[]; deferred: unknown[] }[]
  expect(classes.map((c) => c.name)).toEqual(expect.arrayContaining(['Author', 'Post', 'Tag']))
  for (const c of classes) {
    expect(c.cls).toEqual([c.name, true, true, true])
    expect(c.deferred).toEqual([c.name, true, true, true, 1])
  }
})

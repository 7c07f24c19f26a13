// `npm install` runs this in a checkout of quarry (the `prepare` script). Plain JavaScript: it must run on whatever
// Node the installing npm uses.
//
// In a contributor's checkout the devDependencies are installed: build dist/ with the project's TypeScript
// (`npm run build`). Installed as a dependency from a path or a git URL they are not, and `tsc` is missing: build
// with the same TypeScript version through `npm exec` instead, skipping type checking (the sources are checked in
// CI) and Node's type package, so that installing quarry never fails for want of a compiler.
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })

let local = true
try {
  createRequire(join(root, 'package.json')).resolve('typescript/package.json')
} catch {
  local = false
}

if (local) process.exit(run('npm', ['run', 'build']).status ?? 1)

const { devDependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const config = join(root, 'tsconfig.prepare.json')
writeFileSync(
  config,
  JSON.stringify({ extends: './tsconfig.build.json', compilerOptions: { types: [], noCheck: true } }),
)
try {
  const r = run('npm', [
    'exec',
    '--yes',
    `--package=typescript@${devDependencies.typescript}`,
    '--',
    'tsc',
    '-p',
    config,
  ])
  if (r.status !== 0) console.error('quarry: building dist/ failed; see the compiler output above.')
  process.exitCode = r.status ?? 1
} finally {
  rmSync(config, { force: true })
}

#!/usr/bin/env node
// The `quarry` command. Plain JavaScript that any Node can parse: on a Node older than 24 (no node:sqlite, no
// TypeScript type stripping) it runs itself again with the Node 24 that `npm install` put in node_modules, if any.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const major = Number(process.versions.node.split('.')[0])

function findNode24() {
  const starts = [process.cwd(), here]
  for (const start of starts) {
    let dir = resolve(start)
    for (;;) {
      for (const candidate of [
        join(dir, 'node_modules', 'node', 'bin', 'node'),
        join(dir, 'node_modules', '.bin', 'node'),
      ]) {
        if (!existsSync(candidate)) continue
        const v = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' })
        if (v.status === 0 && Number(v.stdout.trim().split('.')[0]) >= 24) return candidate
      }
      const up = dirname(dir)
      if (up === dir) break
      dir = up
    }
  }
  return null
}

if (major < 24) {
  const node = findNode24()
  if (!node) {
    process.stderr.write(
      `quarry needs Node 24 or later (found ${process.version}). Install it, or add the "node" package as a devDependency and run \`npx quarry\`.\n`,
    )
    process.exit(2)
  }
  const r = spawnSync(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exit(r.status ?? 1)
}

// The TypeScript sources when present (this repository, Node 24 strips the types), the build otherwise.
const src = join(here, '..', 'src', 'cli', 'main.ts')
const entry = existsSync(src) ? src : join(here, '..', 'dist', 'cli', 'main.js')
const { main } = await import(pathToFileURL(entry).href)
process.exitCode = await main(process.argv.slice(2))

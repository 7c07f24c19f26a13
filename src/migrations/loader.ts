import { existsSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { MigrationError } from '../errors.ts'
import { isMigration, type Migration } from './migration.ts'
import { installResolveHooks } from './resolve-hooks.ts'

/** `0002_add_slug.ts`: four digits, an underscore, a name. Other files in the folder are left alone. */
export const MIGRATION_FILE = /^(\d{4}_\w+)\.(ts|mts|js|mjs)$/

export interface LoadedMigration {
  name: string
  file: string
  migration: Migration
}

/** The migration files of `dir`, sorted by name, without importing them. */
export function migrationFiles(dir: string): { name: string; path: string }[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .map((f) => ({ m: MIGRATION_FILE.exec(f), f }))
    .filter((x): x is { m: RegExpExecArray; f: string } => x.m !== null)
    .map(({ m, f }) => ({ name: m[1]!, path: join(dir, f) }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

/**
 * Import every migration file of `dir`. A file that does not load (a syntax error, a bad import) or does not
 * export `migration({...})` by default is an error naming the file.
 */
export async function loadMigrations(dir: string): Promise<LoadedMigration[]> {
  installResolveHooks()
  const out: LoadedMigration[] = []
  const seen = new Map<string, string>()
  for (const { name, path } of migrationFiles(dir)) {
    const file = relative(process.cwd(), path) || path
    const other = seen.get(name)
    if (other)
      throw new MigrationError(
        'MIGRATION_LOAD',
        `Two migration files are both named ${name}: ${other} and ${file}. Remove one.`,
      )
    seen.set(name, file)
    let mod: { default?: unknown }
    try {
      mod = (await import(pathToFileURL(path).href)) as { default?: unknown }
    } catch (e) {
      throw new MigrationError(
        'MIGRATION_LOAD',
        `Cannot load migration ${file}: ${(e as Error).message?.split('\n')[0] ?? String(e)}. Fix the file (it must be valid TypeScript that imports only 'quarry' and 'quarry/migrations').`,
        { cause: e },
      )
    }
    if (!isMigration(mod.default))
      throw new MigrationError(
        'MIGRATION_LOAD',
        `Migration ${file} has no default export made by migration({...}). Write: export default migration({ dependencies: [...], operations: [...] }).`,
      )
    out.push({ name, file, migration: mod.default })
  }
  return out
}

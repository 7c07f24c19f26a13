import { MigrationError } from '../errors.ts'
import type { Operation } from './operations/operation.ts'

/** What a migration file exports by default. */
export interface MigrationDef {
  /** The migrations this one builds on, by file name without extension (`'0001_initial'`). */
  dependencies: readonly string[]
  operations: readonly Operation[]
  /** Migrations this one replaces (written by `squashmigrations`). */
  replaces?: readonly string[]
  /** Run in one transaction where the database has transactional DDL (default true). */
  atomic?: boolean
}

const MIGRATION: unique symbol = Symbol.for('quarry.migration')

export interface Migration extends MigrationDef {
  readonly [MIGRATION]: true
}

/**
 * Declare a migration (the default export of a file in `migrations/`).
 *
 * @example
 * export default migration({ dependencies: ['0001_initial'], operations: [op.addField('Post', 'slug', f.string({ maxLength: 50, default: '' }))] })
 */
export function migration(def: MigrationDef): Migration {
  if (!def || !Array.isArray(def.dependencies) || !Array.isArray(def.operations))
    throw new MigrationError(
      'MIGRATION_LOAD',
      'migration() takes { dependencies: string[], operations: op.*(…)[] }: both are arrays.',
    )
  return { ...def, [MIGRATION]: true }
}

export function isMigration(v: unknown): v is Migration {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[MIGRATION] === true
}

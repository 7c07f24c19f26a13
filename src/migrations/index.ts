/**
 * quarry/migrations — migration files, operations, and the `quarry.config.ts` helper.
 *
 * @example
 * import { migration, op } from 'quarry/migrations'
 * export default migration({ dependencies: ['0001_initial'], operations: [op.removeField('Post', 'legacy')] })
 */
export { defineConfig, type QuarryConfig } from './config.ts'
export { type MigrateOptions, migrate, type PlannedMigration, planMigrate } from './executor.ts'
export { type Migration, type MigrationDef, migration } from './migration.ts'
export {
  type Constraint,
  type HistoricalDb,
  type Operation,
  type OpOptions,
  op,
  unique,
} from './operations/operation.ts'
export { noop } from './plan.ts'

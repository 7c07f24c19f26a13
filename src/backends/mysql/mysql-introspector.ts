import type { Connection } from '../backend.ts'
import type { BaseIntrospector, ColumnInfo, ForeignKeyInfo, IndexInfo } from '../base-introspector.ts'

type WithConnection = <T>(fn: (c: Connection) => Promise<T>) => Promise<T>

/** Reads the current database from `information_schema`. */
export class MysqlIntrospector implements BaseIntrospector {
  readonly #with: WithConnection
  constructor(withConnection: WithConnection) {
    this.#with = withConnection
  }
  async tables(): Promise<string[]> {
    const rows = await this.#with((c) =>
      Promise.resolve(
        c.rows(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1",
          [],
        ),
      ),
    )
    return rows.map((r) => String(r[0]))
  }
  async columns(table: string): Promise<ColumnInfo[]> {
    const rows = await this.#with((c) =>
      Promise.resolve(
        c.rows(
          `SELECT column_name, column_type, is_nullable, column_key, column_default FROM information_schema.columns
           WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position`,
          [table],
        ),
      ),
    )
    return rows.map((r) => ({
      name: String(r[0]),
      type: String(r[1]).toLowerCase(),
      nullable: r[2] === 'YES',
      primaryKey: r[3] === 'PRI',
      default: r[4] === null ? null : String(r[4]),
    }))
  }
  async indexes(table: string): Promise<IndexInfo[]> {
    const rows = await this.#with((c) =>
      Promise.resolve(
        c.rows(
          `SELECT index_name, column_name, non_unique, collation FROM information_schema.statistics
           WHERE table_schema = DATABASE() AND table_name = ? ORDER BY index_name, seq_in_index`,
          [table],
        ),
      ),
    )
    const out = new Map<string, IndexInfo>()
    for (const [name, column, nonUnique, collation] of rows) {
      const key = String(name)
      let ix = out.get(key)
      if (!ix)
        out.set(key, (ix = { name: key, columns: [], unique: Number(nonUnique) === 0, partial: false, descending: [] }))
      ix.columns.push(String(column))
      ix.descending.push(collation === 'D')
    }
    return [...out.values()]
  }
  async foreignKeys(table: string): Promise<ForeignKeyInfo[]> {
    const rows = await this.#with((c) =>
      Promise.resolve(
        c.rows(
          `SELECT k.column_name, k.referenced_table_name, k.referenced_column_name, r.delete_rule
           FROM information_schema.key_column_usage k
           JOIN information_schema.referential_constraints r
             ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name AND r.table_name = k.table_name
           WHERE k.table_schema = DATABASE() AND k.table_name = ? AND k.referenced_table_name IS NOT NULL ORDER BY 1`,
          [table],
        ),
      ),
    )
    return rows.map((r) => ({ column: String(r[0]), table: String(r[1]), to: String(r[2]), onDelete: String(r[3]) }))
  }
}

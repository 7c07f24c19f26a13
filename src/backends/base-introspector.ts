export interface ColumnInfo {
  name: string
  type: string
  nullable: boolean
  primaryKey: boolean
  default: string | null
}
export interface IndexInfo {
  name: string
  columns: string[]
  unique: boolean
  /** Partial index condition, where the database reports it. */
  partial: boolean
  /** Per column: sorted descending. */
  descending: boolean[]
}
export interface ForeignKeyInfo {
  column: string
  table: string
  to: string
  onDelete: string
}

/** Reads the live schema back (tests, `inspectdb`, migrations). Every call is one or a few catalog queries. */
export interface BaseIntrospector {
  tables(): Promise<string[]>
  columns(table: string): Promise<ColumnInfo[]>
  indexes(table: string): Promise<IndexInfo[]>
  foreignKeys(table: string): Promise<ForeignKeyInfo[]>
}

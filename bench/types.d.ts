// Declarations for the two packages without bundled types that the bench uses (no @types packages needed).
declare module 'better-sqlite3' {
  interface Statement {
    readonly reader: boolean
    run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint }
    raw(on?: boolean): Statement
    all(...params: unknown[]): unknown[]
    get(...params: unknown[]): unknown
    iterate(...params: unknown[]): IterableIterator<unknown>
  }
  class Database {
    constructor(file: string)
    prepare(sql: string): Statement
    pragma(pragma: string): unknown
    close(): void
  }
  export default Database
}
declare module 'pg-cursor' {
  class Cursor<R = unknown> {
    submit(connection: import('pg').Connection): void
    constructor(text: string, values?: unknown[], config?: { rowMode?: 'array' })
    read(rows: number): Promise<R[]>
    close(): Promise<void>
  }
  export default Cursor
}

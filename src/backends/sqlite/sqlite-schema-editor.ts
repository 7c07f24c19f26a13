import { BaseSchemaEditor, type DataTypes, standardDataTypes } from '../base-schema-editor.ts'

export class SqliteSchemaEditor extends BaseSchemaEditor {
  protected override readonly dataTypes: DataTypes = {
    ...standardDataTypes,
    auto: 'integer',
    float: 'real',
    boolean: 'bool',
    datetime: 'datetime',
  }
  protected autoPkDef(): string {
    return 'integer NOT NULL PRIMARY KEY AUTOINCREMENT'
  }
  /** SQLite resolves references when rows are written, so a table may reference one created after it. */
  protected override inlineForeignKeys(): boolean {
    return true
  }
  /** Enforced at commit like PostgreSQL's default for Django: cycles and bulk loads in any order. */
  protected override deferrable(): string {
    return ' DEFERRABLE INITIALLY DEFERRED'
  }
}

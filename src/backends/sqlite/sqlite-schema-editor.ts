import type { Field } from '../../model/fields/field.ts'
import { targetKind } from '../base-operations.ts'
import { BaseSchemaEditor } from '../base-schema-editor.ts'

export class SqliteSchemaEditor extends BaseSchemaEditor {
  columnType(field: Field): string {
    const kind = field.kind === 'foreignKey' || field.kind === 'oneToOne' ? targetKind(field) : field.kind
    const o = field.options
    switch (kind) {
      case 'auto':
      case 'integer':
        return 'integer'
      case 'bigint':
        return 'bigint'
      case 'string':
      case 'enum':
        return `varchar(${o.maxLength})`
      case 'text':
        return 'text'
      case 'float':
        return 'real'
      case 'decimal':
        return `decimal(${o.maxDigits}, ${o.decimalPlaces})`
      case 'boolean':
        return 'bool'
      case 'datetime':
        return 'datetime'
      case 'date':
        return 'date'
      case 'json':
        return 'text'
      case 'uuid':
        return 'char(36)'
      default:
        return 'text'
    }
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

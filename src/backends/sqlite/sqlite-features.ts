import { BaseFeatures } from '../base-features.ts'

/** SQLite 3.45+ as bundled with Node 24. */
export class SqliteFeatures extends BaseFeatures {
  override readonly vendor = 'sqlite'
  /** SQLITE_MAX_VARIABLE_NUMBER default since 3.32. */
  override readonly maxBindParams = 32766
  override readonly canBindJsonList = true
  override readonly foldsCaseAsciiOnly = true
  override readonly supportsSelectForUpdate = false
  override readonly requiresLimitForOffset = true
  override readonly maxIdentifierLength = 128
  override readonly supportsExplainAnalyze = false
  override readonly canStreamRows = true
}

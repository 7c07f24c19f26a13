import type { StackHolder } from '../../diagnostics/call-site.ts'
import type { RelationField } from '../../model/fields/relation-field.ts'
import type { ReverseRelation } from '../../model/model-meta.ts'
import { type InstanceHost, type ModelInstance, metaOf } from '../../model/runtime.ts'
import { RelatedManager } from '../related-manager.ts'
import type { Loader } from './loader.ts'
import { findRelation, type Relation } from './relation.ts'
import type { ResultInfo } from './scope.ts'

/**
 * The host of the instances of one result (set by the row mapper like any host): saves and deletes go to the
 * database's host; lazy relation loads go through the loader, which knows the result's peers, its fetch mode
 * and its N+1 counts. One object per result, nothing per instance.
 */
export class ResultHost implements InstanceHost {
  readonly loader: Loader
  readonly base: InstanceHost
  readonly info: ResultInfo
  #last: Relation | undefined = undefined

  constructor(loader: Loader, base: InstanceHost, info: ResultInfo) {
    this.loader = loader
    this.base = base
    this.info = info
  }

  saveInstance(
    inst: ModelInstance,
    options: { updateFields?: readonly string[]; forceInsert?: boolean },
  ): Promise<void> {
    return this.base.saveInstance(inst, options)
  }
  deleteInstance(inst: ModelInstance): Promise<number> {
    return this.base.deleteInstance(inst)
  }
  refreshInstance(inst: ModelInstance, fields?: readonly string[]): Promise<void> {
    return this.base.refreshInstance(inst, fields)
  }
  accessSite(inst: ModelInstance, relation: string): StackHolder | undefined {
    return this.loader.accessSite(this.info, inst, relation)
  }
  loadForward(inst: ModelInstance, field: RelationField, site?: StackHolder): Promise<ModelInstance | null> {
    return this.loader.lazyOne(this.info, inst, this.#relation(inst, field.name), site, this.base)
  }
  loadReverseOne(inst: ModelInstance, rel: ReverseRelation, site?: StackHolder): Promise<ModelInstance | null> {
    return this.loader.lazyOne(this.info, inst, this.#relation(inst, rel.name), site, this.base)
  }
  /** The relation `name` of `inst`'s model: a loop loads one relation, so the last one found is kept. */
  #relation(inst: ModelInstance, name: string): Relation {
    const meta = metaOf(inst)
    const last = this.#last
    if (last !== undefined && last.source === meta && last.name === name) return last
    return (this.#last = findRelation(meta, name)!)
  }
  relatedManager(inst: ModelInstance, rel: ReverseRelation | RelationField): unknown {
    // Called from the accessor, so the user's frame is still on the stack.
    const site = this.loader.accessSite(this.info, inst, rel.name)
    return new RelatedManager(this.loader.db, inst, rel, this.info.alias, {
      loader: this.loader,
      info: this.info,
      site,
    })
  }
}

// Schemas the contract suites use, in one place so the migrations round-trip test covers each of them.
import { defineSchema, f, model } from '../../src/index.ts'

const Sample = model('Sample', {
  label: f.string({ maxLength: 50, unique: true }),
  big: f.bigint({ null: true }),
  ratio: f.float({ null: true }),
  price: f.decimal({ maxDigits: 12, decimalPlaces: 2, null: true }),
  flag: f.boolean({ default: false }),
  at: f.datetime({ null: true }),
  day: f.date({ null: true }),
  doc: f.json({ null: true }),
  ref: f.uuid({ null: true }),
  state: f.enum(['draft', 'published'], { default: 'draft' }),
  note: f.text({ default: '' }),
})
export const fieldTypesSchema = defineSchema({ Sample })

const Kitchen = model('Kitchen', {
  label: f.string({ maxLength: 40 }),
  big: f.bigint({ null: true }),
  price: f.decimal({ maxDigits: 10, decimalPlaces: 2, null: true }),
  ratio: f.float({ null: true }),
  day: f.date({ null: true }),
  meta: f.json<{ tags: string[]; n: number }>({ null: true }),
  ref: f.uuid({ null: true }),
  status: f.enum(['draft', 'published'], { default: 'draft' }),
  flag: f.boolean({ default: true }),
  at: f.datetime({ null: true }),
  touched: f.datetime({ autoNow: true }),
})
export const kitchenSchema = defineSchema({ Kitchen })

const Person = model('Person', { name: f.string({ maxLength: 50 }) })
const Profile = model('Profile', {
  person: f.oneToOne('Person', { relatedName: 'profile' }),
  bio: f.text({ default: '' }),
})
const Article = model(
  'Article',
  {
    title: f.string({ maxLength: 100 }),
    body: f.text({ default: '' }),
    writer: f.foreignKey('Person', { relatedName: 'articles' }),
    editor: f.foreignKey('Person', { relatedName: 'edited', null: true, onDelete: 'setNull' }),
    labels: f.manyToMany('Label', { relatedName: 'articles' }),
  },
  { ordering: ['title'] },
)
const Label = model('Label', { name: f.string({ maxLength: 30, unique: true }) }, { ordering: ['name'] })
const Note = model(
  'Note',
  {
    article: f.foreignKey('Article', { relatedName: 'notes' }),
    replyTo: f.foreignKey('Note', { relatedName: 'replies', null: true, onDelete: 'setNull' }),
    text: f.string({ maxLength: 100 }),
  },
  { ordering: ['text'] },
)
const Club = model('Club', {
  name: f.string({ maxLength: 50 }),
  members: f.manyToMany('Person', { through: 'Membership', relatedName: 'clubs' }),
})
const Membership = model('Membership', {
  person: f.foreignKey('Person'),
  club: f.foreignKey('Club'),
  role: f.string({ maxLength: 20, default: 'member' }),
})
export const relationsSchema = defineSchema({ Person, Profile, Article, Label, Note, Club, Membership })

import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import express from 'express'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { BaseCache } from '../../../src/cache/base-cache.ts'
import { createCache } from '../../../src/cache/create-cache.ts'
import { cachePage } from '../../../src/http/index.ts'
import { filePrefix, REDIS_URL, requireRedis } from '../../support/caches.ts'

// Two servers with their own cachePage (their own in-process single-flight) sharing one Redis stand for two
// processes: with `lock`, concurrent misses across both compute the page once.
let enabled = false
const caches: BaseCache[] = []
const servers: { url: string; close(): Promise<void> }[] = []
let computed = 0

beforeAll(async () => {
  enabled = await requireRedis()
  if (!enabled) return
  const prefix = filePrefix()
  for (let i = 0; i < 2; i++) {
    const cache = createCache(REDIS_URL, { prefix })
    caches.push(cache)
    const app = express()
    app.get('/slow', cachePage.express({ ttl: 60, cache, lock: { waitMs: 5000 } }), async (_req, res) => {
      computed++
      await sleep(300)
      res.type('text').send(`computed by server ${i}`)
    })
    const server = app.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    servers.push({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((r) => server.close(() => r())),
    })
  }
})

afterAll(async () => {
  for (const s of servers) await s.close()
  for (const c of caches) {
    await c.clear()
    await c.close()
  }
})

it('with lock, misses on two servers sharing Redis compute the page once', async () => {
  if (!enabled) return
  // Behind one host name, as processes behind a load balancer are (the page key includes the host).
  const get = (base: string) =>
    new Promise<[number, string]>((resolve, reject) => {
      const { hostname, port } = new URL(base)
      const req = request({ hostname, port, path: '/slow', headers: { Host: 'app.example' } }, (res) => {
        let body = ''
        res.on('data', (c) => {
          body += c
        })
        res.on('end', () => resolve([res.statusCode!, body]))
      })
      req.on('error', reject)
      req.end()
    })
  const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => get(servers[i % 2]!.url)))
  expect(computed).toBe(1)
  expect(new Set(responses.map((r) => JSON.stringify(r))).size).toBe(1)
  expect(responses[0]![0]).toBe(200)
})

// Sends one of each Segment call to a running Yutang with the official Node SDK.
// Usage: node send_with_segment_sdk.mjs http://127.0.0.1:PORT WRITE_KEY
// Exits 0 when the SDK delivered everything without an error.
import { Analytics } from '@segment/analytics-node'

const [host, writeKey] = process.argv.slice(2)
const analytics = new Analytics({ writeKey, host, flushAt: 3, maxRetries: 1 })
let errors = 0
analytics.on('error', (error) => {
  errors += 1
  console.error('sdk error:', error.code, error.reason?.message ?? '')
})

analytics.identify({
  userId: 'sdk-user-1',
  traits: { email: 'SDK.Buyer@Example.com', phone: '137 0000 1111', name: '测试买家' },
})
analytics.track({
  userId: 'sdk-user-1',
  event: 'Order Completed',
  properties: { order_id: 'SDK-1', total: 99.5, currency: 'CNY', products: [{ sku: 'A1', price: 99.5, quantity: 1 }] },
})
analytics.page({ anonymousId: 'sdk-anon-1', name: 'Home' })
analytics.alias({ previousId: 'sdk-anon-1', userId: 'sdk-user-1' })
analytics.group({ userId: 'sdk-user-1', groupId: 'company-1', traits: { name: 'ACME' } })
analytics.screen({ userId: 'sdk-user-1', name: 'Cart' })

await analytics.closeAndFlush({ timeout: 15000 })
console.log(JSON.stringify({ errors }))
process.exit(errors ? 1 : 0)

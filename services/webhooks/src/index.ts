export { createWebhookDispatcher, type WebhookDispatcher, type WebhookDispatcherDeps, type WebhookDispatcherOptions } from './dispatcher.js';
export { webhookRoutes } from './routes.js';
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './event-types.js';
export { signatureHeader, verifySignature, SIGNATURE_HEADER } from './signature.js';
export { isPrivateAddress } from './network-guard.js';
export { DEFAULT_RETRY_POLICY, nextRetry, type RetryPolicy } from './retry-policy.js';

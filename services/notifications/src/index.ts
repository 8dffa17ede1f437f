export { createNotifier, smtpTransport, type Notifier, type NotifierDeps, type NotifierOptions } from './notifier.js';
export { notificationRoutes } from './routes.js';
export { NOTIFICATION_RULES, planMessages, ruleOf, type NotificationRule } from './rules.js';
export { renderEvent, renderDigest, formatMoney } from './render.js';

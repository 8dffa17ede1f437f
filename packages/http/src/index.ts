export { installProblemHandler, sendProblem, type Problem } from './problem.js';
export { requireApiKey, actorOf, parseCookies, setSessionCookie, clearSessionCookie, stillAuthenticated, SESSION_COOKIE, CSRF_HEADER, type KeyAuthenticator, type Credential } from './auth.js';
export { RouteRoles, recordRouteRoles, mayCall, EVERY_ROLE, type DeclaredRoute } from './route-roles.js';
export { refuseIllFormedText, isWellFormedText, illFormedTextAt } from './well-formed-text.js';
export { honourIdempotencyKeys, MONEY_AND_STOCK_WRITES, type IdempotencyStore } from './idempotency.js';
export { csvCell, csvRow, toCsv, wantsCsv } from './csv.js';
export { IdParams, PageQuery, pageOf } from './schemas.js';
export { customerScopeOf, portalCustomerOf } from './customer-scope.js';

export { installProblemHandler, sendProblem, type Problem } from './problem.js';
export { requireApiKey, actorOf, type KeyAuthenticator } from './auth.js';
export { IdParams, PageQuery, pageOf } from './schemas.js';

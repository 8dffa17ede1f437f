export { installProblemHandler, sendProblem, type Problem } from './problem.js';
export { requireApiKey, actorOf, type KeyAuthenticator } from './auth.js';
export { csvCell, csvRow, toCsv, wantsCsv } from './csv.js';

export { createRulAdapter, type RulAdapter, type RulAdapterDeps } from './rul-adapter.js';

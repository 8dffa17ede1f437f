export * from './errors.js';
export * from './config.js';
export * from './logger.js';
export * from './shutdown.js';
export * from './secrets.js';
export * from './passwords.js';

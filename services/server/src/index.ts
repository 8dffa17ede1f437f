export { loadDemoFleet, type DemoFleet } from './demo.js';
export { buildServer, type BuildServerOptions, type ServerHandle } from './build-server.js';

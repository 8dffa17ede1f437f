export { createBridge, type Bridge, type BridgeCounters, type BridgeDeps, type BridgeDeviceLookup } from './bridge.js';
export { BridgeConfig, BridgeMapping, loadBridgeConfig } from './config.js';
export { matchTopic } from './topic-match.js';
export { bridgeRoutes } from './routes.js';

export { createBroker, type Broker, type BrokerDeps, type ClusterOptions, type CommandOptions } from './broker.js';
export type { DeviceAuthLookup, DeviceAuthRecord, ServiceCredential } from './ports.js';
export { inMemoryDevices } from './in-memory-devices.js';
export type { ConnectionChange, ConnectionStateQuery, DeviceConnectionState } from './connection-registry.js';
export type { AuthFailureReason, BrokerStats, DeviceSecurityCounters } from './broker-counters.js';
export type { SparkplugStats } from './sparkplug-edge-nodes.js';
export { DEFAULT_AUTH_THROTTLE, type AuthThrottleOptions } from './core/auth-throttle.js';
export type { Principal } from './core/principal.js';
export { openSessionQueueProbe, sessionQueueKey, type SessionQueueProbe } from './session-queues.js';

export * from './partition-topics.js';
export * from './reading-batch.js';
export * from './lease-coordinator.js';
export * from './partition-consumer.js';

export * from './catalogue.js';
export {
  createEventBus,
  newEventId,
  type AnyListener,
  type EventBus,
  type EventBusOptions,
  type EventSink,
  type EventLogger,
  type EventSubscriber,
  type Listener,
} from './bus.js';
export { deviceConnectionEvents, type DeviceConnectionChange } from './device-connections.js';

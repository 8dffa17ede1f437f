import type { EventSink } from './bus.js';

/** The broker's connection change (structurally `ConnectionChange` of @hourmeter/broker). */
export type DeviceConnectionChange =
  | {
      readonly kind: 'connected';
      readonly state: { readonly deviceId: string; readonly connectedSince: number | undefined; readonly lastSeenAt: number; readonly transport: 'tcp' | 'ws'; readonly clientAddress: string | undefined };
    }
  | {
      readonly kind: 'disconnected';
      readonly state: { readonly deviceId: string; readonly disconnectedAt: number | undefined; readonly lastSeenAt: number };
      readonly connectedSince: number | undefined;
    };

/** `broker.connections.onChange(deviceConnectionEvents(bus))`: device.connected / device.disconnected on the bus. */
export function deviceConnectionEvents(events: EventSink): (change: DeviceConnectionChange) => void {
  return (c) => {
    if (c.kind === 'connected') {
      const at = c.state.connectedSince ?? c.state.lastSeenAt;
      events.emit(
        'device.connected',
        { deviceId: c.state.deviceId, at, transport: c.state.transport, ...(c.state.clientAddress ? { clientAddress: c.state.clientAddress } : {}) },
        { at },
      );
    } else {
      const at = c.state.disconnectedAt ?? c.state.lastSeenAt;
      events.emit('device.disconnected', { deviceId: c.state.deviceId, at, ...(c.connectedSince !== undefined ? { connectedSince: c.connectedSince } : {}) }, { at });
    }
  };
}

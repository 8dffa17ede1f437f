import { newId } from '@hourmeter/domain';
import type { OpenPreventiveInput, PreventiveWorkOrders } from './ports.js';

/**
 * A self-contained implementation of the port (one open preventive order per
 * asset and failure mode), for the embedded demo until services/work-orders is
 * wired, and for tests. `complete` closes an order.
 */
export function inMemoryPreventiveWorkOrders() {
  const orders = new Map<string, OpenPreventiveInput & { workOrderId: string; state: 'open' | 'completed' }>();
  const key = (assetId: string, failureMode: string) => `${assetId}|${failureMode}`;
  const open = new Map<string, string>();
  const port: PreventiveWorkOrders & {
    orders: () => (OpenPreventiveInput & { workOrderId: string; state: 'open' | 'completed' })[];
    complete: (workOrderId: string) => void;
    calls: number;
  } = {
    calls: 0,
    async openPreventive(input) {
      port.calls++;
      const existing = open.get(key(input.assetId, input.failureMode));
      if (existing) return { workOrderId: existing, created: false };
      const workOrderId = newId('workOrder');
      orders.set(workOrderId, { ...input, workOrderId, state: 'open' });
      open.set(key(input.assetId, input.failureMode), workOrderId);
      return { workOrderId, created: true };
    },
    orders: () => [...orders.values()],
    complete(workOrderId) {
      const o = orders.get(workOrderId);
      if (!o) return;
      o.state = 'completed';
      open.delete(key(o.assetId, o.failureMode));
    },
  };
  return port;
}

import { describe, expect, it } from 'vitest';
import { edgeNodeMayPublish, edgeNodeMaySubscribe } from './sparkplug-topics.js';

const me = 'dev_01JEDGE';

describe('Sparkplug topics of an edge node', () => {
  it('may publish births, data and deaths of itself and its devices, in any group', () => {
    for (const t of ['NBIRTH', 'NDATA', 'NDEATH']) expect(edgeNodeMayPublish(me, `spBv1.0/plant1/${t}/${me}`)).toBe(true);
    for (const t of ['DBIRTH', 'DDATA', 'DDEATH']) expect(edgeNodeMayPublish(me, `spBv1.0/other group/${t}/${me}/Pump 1`)).toBe(true);
  });

  it('may not publish as another edge node, commands, STATE, or malformed topics', () => {
    for (const topic of [
      'spBv1.0/plant1/NDATA/dev_01JOTHER',
      'spBv1.0/plant1/DDATA/dev_01JOTHER/x',
      `spBv1.0/plant1/NCMD/${me}`,
      `spBv1.0/plant1/DCMD/${me}/x`,
      'spBv1.0/STATE/host',
      `spBv1.0/plant1/DDATA/${me}`, // a device message without its device
      `spBv1.0/plant1/NDATA/${me}/x`, // a node message with a device
      `spBv1.0/plant1/DDATA/${me}/x/y`,
      `spBv1.0//NDATA/${me}`,
      `spBv2.0/plant1/NDATA/${me}`,
    ]) expect(edgeNodeMayPublish(me, topic), topic).toBe(false);
  });

  it('may subscribe to its own NCMD and DCMD only', () => {
    for (const f of [`spBv1.0/plant1/NCMD/${me}`, `spBv1.0/+/NCMD/${me}`, `spBv1.0/plant1/DCMD/${me}/+`, `spBv1.0/plant1/DCMD/${me}/Pump 1`, `spBv1.0/plant1/DCMD/${me}/#`])
      expect(edgeNodeMaySubscribe(me, f), f).toBe(true);
    for (const f of ['spBv1.0/#', 'spBv1.0/plant1/NCMD/+', 'spBv1.0/plant1/NCMD/dev_01JOTHER', `spBv1.0/#/NCMD/${me}`, `spBv1.0/plant1/NDATA/${me}`, `spBv1.0/plant1/+/${me}`, `spBv1.0/plant1/NCMD/${me}/#`])
      expect(edgeNodeMaySubscribe(me, f), f).toBe(false);
  });
});

import { humanAlertActions } from '@hourmeter/domain';
import { describe, expect, it } from 'vitest';
import { TRANSITIONS } from './lifecycle.js';

describe('the actions a person is offered', () => {
  it('are exactly the transitions the state machine allows from each state, never resolve', () => {
    expect(humanAlertActions('open')).toEqual(['acknowledge']);
    expect(humanAlertActions('acknowledged')).toEqual(['confirm', 'dismiss']);
    expect(humanAlertActions('confirmed')).toEqual([]);
    expect(humanAlertActions('dismissed')).toEqual([]);
    expect(humanAlertActions('resolved')).toEqual([]);
    for (const state of ['open', 'acknowledged', 'confirmed', 'dismissed', 'resolved'] as const) {
      for (const action of humanAlertActions(state)) expect(TRANSITIONS[action].from).toContain(state);
    }
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { CMAPSS_DATA_DIR } from './load.js';
import { cmapssTestData } from './testing.js';

describe('cmapssTestData', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('uses the shipped files unless HM_CMAPSS_DIR names another directory', () => {
    vi.stubEnv('HM_CMAPSS_DIR', undefined);
    expect(cmapssTestData('train_FD001.txt', 'RUL_FD002.txt')).toEqual({ dir: CMAPSS_DATA_DIR, available: true });
  });

  it('skips a suite whose data is missing, and fails it when CI requires everything', () => {
    vi.stubEnv('HM_CMAPSS_DIR', '/nonexistent');
    vi.stubEnv('HM_TEST_REQUIRE_SERVERS', undefined);
    expect(cmapssTestData('train_FD001.txt')).toEqual({ dir: '/nonexistent', available: false });
    vi.stubEnv('HM_TEST_REQUIRE_SERVERS', '1');
    expect(() => cmapssTestData('train_FD001.txt')).toThrow('C-MAPSS data missing in /nonexistent: train_FD001.txt');
  });
});

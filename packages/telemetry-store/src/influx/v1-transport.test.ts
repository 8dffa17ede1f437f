import { describe, expect, it } from 'vitest';
import { mapV2WritePath } from './v1-transport.js';

describe('mapV2WritePath', () => {
  it('maps bucket db/rp and precision to the 1.x write endpoint', () => {
    expect(mapV2WritePath('/api/v2/write?org=&bucket=tele%2Fshort&precision=ns')).toBe('/write?db=tele&rp=short&precision=n');
    expect(mapV2WritePath('/api/v2/write?org=o&bucket=tele&precision=ms')).toBe('/write?db=tele&precision=ms');
  });

  it('keeps special characters of database names encoded', () => {
    const path = `/api/v2/write?org=&bucket=${encodeURIComponent('my db&x/rp 1')}&precision=s`;
    const mapped = new URLSearchParams(mapV2WritePath(path).split('?')[1]);
    expect(mapped.get('db')).toBe('my db&x');
    expect(mapped.get('rp')).toBe('rp 1');
  });

  it('passes every other path through', () => {
    expect(mapV2WritePath('/ping')).toBe('/ping');
    expect(mapV2WritePath('/api/v2/query?org=x')).toBe('/api/v2/query?org=x');
  });
});

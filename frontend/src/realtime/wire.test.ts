import { describe, expect, it } from 'vitest';
import { parseServerFrame } from './wire';

describe('parseServerFrame', () => {
  it('reads a cache mark', () => {
    expect(parseServerFrame('{"type":"cache","context_id":"t1","hit":true,"text_start":0,"text_end":13}')).toEqual({
      type: 'cache',
      context_id: 't1',
      hit: true,
      text_start: 0,
      text_end: 13,
    });
  });

  it('refuses a cache mark without its fields', () => {
    expect(parseServerFrame('{"type":"cache","context_id":"t1","hit":"yes","text_start":0,"text_end":13}')).toBeNull();
    expect(parseServerFrame('{"type":"cache","hit":true,"text_start":0,"text_end":13}')).toBeNull();
  });
});

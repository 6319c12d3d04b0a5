import { describe, expect, it } from 'vitest';
import { parseFrame } from './stream';

describe('parseFrame', () => {
  it('reads the three frame types of the contract', () => {
    expect(parseFrame('{"type":"audio","seq":1,"data":"AAA="}')).toEqual({ type: 'audio', seq: 1, data: 'AAA=' });
    expect(parseFrame('{"type":"eos"}')).toEqual({ type: 'eos' });
    expect(parseFrame('{"type":"error","code":503,"message":"queue full"}')).toEqual({ type: 'error', code: 503, message: 'queue full' });
  });

  it('returns null for anything else', () => {
    expect(parseFrame('not json')).toBeNull();
    expect(parseFrame('[]')).toBeNull();
    expect(parseFrame('{"type":"audio","seq":"1","data":"AAA="}')).toBeNull();
    expect(parseFrame('{"type":"audio","seq":1}')).toBeNull();
    expect(parseFrame('{"type":"hello"}')).toBeNull();
    expect(parseFrame('null')).toBeNull();
  });
});

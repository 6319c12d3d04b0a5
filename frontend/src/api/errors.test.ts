import { describe, expect, it } from 'vitest';
import { describeFailure, detailText, failureCause, parseRetryAfter } from './errors';

describe('failureCause', () => {
  it('uses the labels of the original client', () => {
    expect(failureCause({ kind: 'http', status: 429, detail: '', retryAfterSeconds: 3 })).toBe('HTTP 429');
    expect(failureCause({ kind: 'ws-error', code: 503, message: '' })).toBe('WS 503');
    expect(failureCause({ kind: 'ws-transport', closeCode: 1006, reason: '' })).toBe('WS transport error');
  });
});

describe('describeFailure', () => {
  it('says a rate limit in words, with the wait', () => {
    expect(describeFailure({ kind: 'http', status: 429, detail: 'Rate limit exceeded', retryAfterSeconds: 12 })).toBe(
      'Rate limited (HTTP 429): too many sessions from your address; retry in 12 s.',
    );
  });
  it('says a full queue', () => {
    expect(describeFailure({ kind: 'ws-error', code: 503, message: 'streaming queue full' })).toBe(
      'Gateway busy (WS 503): the streaming queue is full; try again in a moment (streaming queue full).',
    );
  });
  it('names the field of a validation error', () => {
    expect(describeFailure({ kind: 'http', status: 422, detail: 'text: field required', retryAfterSeconds: null })).toContain('text: field required');
  });
  it('says a refused key and a key limit in words', () => {
    expect(
      describeFailure({ kind: 'http', status: 401, detail: 'invalid API key (unknown or revoked)', retryAfterSeconds: null }),
    ).toBe('API key refused (HTTP 401): paste a valid key in the API key field (invalid API key (unknown or revoked)).');
    const detail = 'key "demo" limit reached: streams=1 running at once; retry when one ends';
    expect(describeFailure({ kind: 'http', status: 429, detail, retryAfterSeconds: 1 })).toBe(
      'Key limit reached (HTTP 429): key "demo" limit reached: streams=1 running at once; retry in 1 s.',
    );
    expect(describeFailure({ kind: 'ws-transport', closeCode: 1008, reason: '401: missing API key' })).toBe(
      'Refused by the gateway (WS close 1008): 401: missing API key.',
    );
  });
  it('says a lost connection with its close code', () => {
    expect(describeFailure({ kind: 'ws-transport', closeCode: 1006, reason: '' })).toContain('close code 1006');
  });
});

describe('detailText', () => {
  it('reads string and list details', () => {
    expect(detailText({ detail: 'unknown provider' })).toBe('unknown provider');
    expect(detailText({ detail: [{ loc: ['body', 'text'], msg: 'field required', type: 'missing' }] })).toBe('text: field required');
    expect(detailText({})).toBe('');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('12')).toBe(12);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10);
    expect(parseRetryAfter('soon')).toBeNull();
  });
});

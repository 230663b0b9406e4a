import { describe, expect, it } from 'vitest';
import { parseFinishMessage } from '../../src/store/finish-message.js';

describe('parseFinishMessage', () => {
  it('reads a status alone, and a status with the output results', () => {
    expect(parseFinishMessage('failed')).toEqual({ status: 'failed', values: null });
    expect(parseFinishMessage('succeeded')).toEqual({ status: 'succeeded', values: null });
    expect(parseFinishMessage('succeeded\n[1,"a",{"b":[null]}]')).toEqual({ status: 'succeeded', values: [1, 'a', { b: [null] }] });
    expect(parseFinishMessage('succeeded\n[]')).toEqual({ status: 'succeeded', values: [] });
  });

  it('gives no values for a tail that is not a JSON array, and nothing for an unknown status', () => {
    expect(parseFinishMessage('succeeded\n[1,')).toEqual({ status: 'succeeded', values: null });
    expect(parseFinishMessage('succeeded\n{"a":1}')).toEqual({ status: 'succeeded', values: null });
    expect(parseFinishMessage('done')).toBeNull();
    expect(parseFinishMessage('')).toBeNull();
  });
});

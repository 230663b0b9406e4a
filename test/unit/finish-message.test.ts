import { describe, expect, it } from 'vitest';
import { parseFinishMessage } from '../../src/store/finish-message.js';

describe('parseFinishMessage', () => {
  it('reads a status alone, and a status with the output results', () => {
    expect(parseFinishMessage('failed')).toEqual({ status: 'failed', reopened: 0, values: null });
    expect(parseFinishMessage('succeeded')).toEqual({ status: 'succeeded', reopened: 0, values: null });
    expect(parseFinishMessage('succeeded\n[1,"a",{"b":[null]}]')).toEqual({ status: 'succeeded', reopened: 0, values: [1, 'a', { b: [null] }] });
    expect(parseFinishMessage('succeeded\n[]')).toEqual({ status: 'succeeded', reopened: 0, values: [] });
    // After a resume or rerun the status names the reopen it ends.
    expect(parseFinishMessage('succeeded@2\n[7]')).toEqual({ status: 'succeeded', reopened: 2, values: [7] });
    expect(parseFinishMessage('failed@1')).toEqual({ status: 'failed', reopened: 1, values: null });
    expect(parseFinishMessage('succeeded@x\n[7]')).toBeNull();
  });

  it('gives no values for a tail that is not a JSON array, and nothing for an unknown status', () => {
    expect(parseFinishMessage('succeeded\n[1,')).toEqual({ status: 'succeeded', reopened: 0, values: null });
    expect(parseFinishMessage('succeeded\n{"a":1}')).toEqual({ status: 'succeeded', reopened: 0, values: null });
    expect(parseFinishMessage('done')).toBeNull();
    expect(parseFinishMessage('')).toBeNull();
  });
});

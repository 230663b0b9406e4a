import { describe, expect, it } from 'vitest';
import { compactTemplate, fillTemplate, type InputTemplate, templateNodes } from '../../src/graph/template.js';

describe('input templates as stored', () => {
  const nodes = (ids: number[]): InputTemplate => ({ list: ids.map((id) => ({ node: String(id) })) });

  it('a list of consecutive single nodes is stored as a range, at any depth; anything else stays a list', () => {
    expect(compactTemplate(nodes([4, 5, 6]))).toEqual({ range: [4, 3] });
    expect(compactTemplate({ list: [nodes([0, 1]), { node: '7' }] })).toEqual({ list: [{ range: [0, 2] }, { node: '7' }] });
    expect(compactTemplate(nodes([1, 3, 5]))).toEqual(nodes([1, 3, 5]));
    expect(compactTemplate(nodes([2]))).toEqual(nodes([2]));
    expect(compactTemplate({ node: '9' })).toEqual({ node: '9' });
  });

  it('a range reads and fills as the list it stands for', () => {
    const list = { list: [nodes([3, 4, 5]), { node: '4' }] };
    const range = compactTemplate(list);
    expect(templateNodes(range)).toEqual(templateNodes(list));
    const resultOf = (id: string): number => Number(id) * 10;
    expect(fillTemplate(range, resultOf)).toEqual(fillTemplate(list, resultOf));
    expect(fillTemplate(range, resultOf)).toEqual([[30, 40, 50], 40]);
  });
});

import { describe, expect, it } from 'vitest';
import { ResourceStack, startOwning } from './resources.ts';

describe('ResourceStack', () => {
  it('closes what it owns in reverse order of opening, once', async () => {
    const closed: string[] = [];
    const stack = new ResourceStack();
    stack.own('pool', 'p', (r) => void closed.push(r));
    stack.defer('timer', () => void closed.push('t'));
    stack.own('consumer', 'c', async (r) => void closed.push(r));
    await Promise.all([stack.close(), stack.close()]);
    expect(closed).toEqual(['c', 't', 'p']);
  });

  it('runs the remaining closers when one of them fails', async () => {
    const closed: string[] = [];
    const stack = new ResourceStack();
    stack.defer('first', () => void closed.push('first'));
    stack.defer('broken', () => { throw new Error('cannot close'); });
    await stack.close();
    expect(closed).toEqual(['first']);
  });
});

describe('startOwning', () => {
  it('closes what a failed start had opened, in reverse order, and rethrows', async () => {
    const closed: string[] = [];
    await expect(startOwning(undefined, async (resources) => {
      resources.defer('pool', () => void closed.push('pool'));
      resources.defer('archive', () => void closed.push('archive'));
      throw new Error('consumer could not connect');
    })).rejects.toThrow('consumer could not connect');
    expect(closed).toEqual(['archive', 'pool']);
  });

  it('leaves everything open when the start succeeds', async () => {
    const closed: string[] = [];
    const stack = await startOwning(undefined, async (resources) => {
      resources.defer('pool', () => void closed.push('pool'));
      return resources;
    });
    expect(closed).toEqual([]);
    expect(stack.open).toEqual(['pool']);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RATE, parseControlCommand, setRateCommand } from './control.ts';

describe('control commands under fuzzing', () => {
  it('never throws, and accepts only a finite rate within bounds', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
      const command = parseControlCommand(text);
      return command === null || (command.type === 'set_rate' && Number.isFinite(command.rate) && command.rate >= 0 && command.rate <= MAX_RATE);
    }));
  }, 30_000); // arbitrary JSON values can be large: generating them, not parsing, takes the time on a busy machine

  it('reads back every command it writes', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: MAX_RATE, noNaN: true }), (rate) => parseControlCommand(setRateCommand(rate))?.rate === rate));
    expect(parseControlCommand('{"type":"set_rate","rate":1e999}')).toBeNull();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPulseError } from '../infra/index.ts';
import { errorBody, httpStatus } from './errors.ts';
import { parseQuery, schemas, timeRange } from './params.ts';

/** parseQuery either returns parsed values or throws a 400 naming the problem: nothing else. */
function returnsOrRefuses(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    return isPulseError(error) && httpStatus(error) === 400 && /^(unknown_parameter|invalid_parameter)$/.test(errorBody(error).error.code) && error.message.length > 0;
  }
}

const NAMES = ['metric', 'group', 'region', 'host', 'from', 'to', 'step', 'bins', 'status', 'limit', 'date', 'interval', '__proto__', 'constructor', 'toString', ''];
const query = fc.dictionary(fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 12 })), fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.array(fc.string(), { maxLength: 3 }), fc.constantFrom('NaN', 'Infinity', '1e309', '-0', '9999-99-99', "' OR 1=1 --")), { maxKeys: 5 });

describe('query parameter parsing under fuzzing', () => {
  it.each(Object.keys(schemas))('%s: returns values or refuses with a 400, never anything else', (name) => {
    fc.assert(fc.property(query, (q) => returnsOrRefuses(() => parseQuery(schemas[name as keyof typeof schemas], q))), { numRuns: 400 });
  });

  it('time ranges: valid ranges pass, anything else is a 400', () => {
    const instant = fc.option(fc.oneof(fc.integer(), fc.double()), { nil: undefined });
    fc.assert(fc.property(instant, instant, (from, to) => returnsOrRefuses(() => timeRange(from, to))));
  });

  it('never lets a parsed region or host carry SQL or path syntax', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (text) => {
      try {
        const parsed = parseQuery(schemas.timeseries, { region: text, host: text, group: 'host' }) as { region?: string; host?: string };
        return !/['";\\\s]/.test(parsed.region ?? '') && !/['";\\\s]/.test(parsed.host ?? '');
      } catch (error) {
        return httpStatus(error) !== undefined;
      }
    }));
  });

  it('refuses a prototype-polluting parameter name as unknown', () => {
    expect(() => parseQuery(schemas.overview, JSON.parse('{"__proto__": "x"}'))).toThrow(/unknown parameter/);
  });
});

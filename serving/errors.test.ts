import { describe, expect, it } from 'vitest';
import { PulseError } from '../infra/index.ts';
import { bodyRefusal, errorBody, httpStatus } from './errors.ts';

describe('errors at the HTTP boundary', () => {
  it('answer with the status of their code and the code in lower case', () => {
    const tooMany = new PulseError('TOO_MANY_STREAMS', 'at most 2 open streams per client', { retryable: true });
    expect(httpStatus(tooMany)).toBe(429);
    expect(errorBody(tooMany)).toEqual({ error: { code: 'too_many_streams', message: 'at most 2 open streams per client' } });
    expect([httpStatus(new PulseError('INVALID_PARAMETER', 'x')), httpStatus(new PulseError('NOT_FOUND', 'x')), httpStatus(new PulseError('STREAM_CAPACITY', 'x'))]).toEqual([400, 404, 503]);
  });

  it('keep an error that is not the client\'s to see out of the answer', () => {
    expect(httpStatus(new PulseError('POSTGRES_UNREACHABLE', 'cannot reach PostgreSQL at db:5432'))).toBeUndefined();
    expect(httpStatus(new Error('boom'))).toBeUndefined();
    expect(bodyRefusal(new Error('boom'))).toBeUndefined();
  });

  it('turn body-parser\'s refusals into client errors with its status', () => {
    const tooLarge = bodyRefusal(Object.assign(new Error('request entity too large'), { status: 413 }));
    expect(tooLarge?.status).toBe(413);
    expect(errorBody(tooLarge!.error)).toEqual({ error: { code: 'body_too_large', message: 'the request body is limited to 16 kB' } });
    const charset = bodyRefusal(Object.assign(new Error('unsupported charset'), { status: 415 }));
    expect([charset?.status, charset?.error.code]).toEqual([415, 'INVALID_BODY']);
  });
});

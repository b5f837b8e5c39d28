// The serving layer's API described as OpenAPI 3.1 (served at /api/openapi.json).

import { METRICS } from '../telemetry/index.ts';

const time = (description: string) => ({ in: 'query', schema: { type: 'string' }, description: `${description} (ISO-8601 or epoch ms)` });
const q = (name: string, schema: Record<string, unknown>, description: string) => ({ name, in: 'query', required: false, schema, description });
const region = q('region', { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,31}$' }, 'only this region');
const range = [{ name: 'from', ...time('window start, default: to − 1 h') }, { name: 'to', ...time('window end, default: now') }];
const error = { description: 'invalid or unknown parameter', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const get = (summary: string, parameters: unknown[]) => ({ get: { summary, parameters, responses: { 200: ok(summary), 400: error } } });

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Pulse serving API', version: '1', description: 'Batch views before the watermark merged with realtime views after it.' },
  paths: {
    '/api/health': get('Status of Kafka, PostgreSQL, the speed consumers and the last batch run', []),
    '/api/overview': get('Per region: average temperature and CPU with deltas against the previous period, current power, active hosts, hosts per CPU level', [region, ...range]),
    '/api/timeseries': get('Bucketed series of one metric per region or host (JSON, or an Apache Arrow IPC stream when Accept is application/vnd.apache.arrow.stream)', [
      q('metric', { enum: METRICS }, 'metric, default cpu_pct'), q('group', { enum: ['region', 'host'] }, 'series per region (default) or host'),
      region, q('host', { type: 'string' }, 'only this host'), ...range, q('step', { type: 'string', pattern: '^\\d+(s|m|h|d)$' }, 'bucket width, default adapts to the range'),
    ]),
    '/api/histogram': get('Temperature histogram', [q('metric', { enum: ['temp_c'] }, 'temp_c'), region, ...range, q('bins', { type: 'integer', minimum: 1, maximum: 200 }, 'default 20')]),
    '/api/volume': get('Readings per region per bucket split by batch and realtime origin, totals, ingest rate, rejects per reason', [...range, q('step', { type: 'string' }, 'bucket width')]),
    '/api/hosts': get('The latest reading of every host with its CPU level', [region]),
    '/api/alerts': get('Alerts (threshold and anomaly; anomaly alerts carry score, contributing metric and model version in detail)', [
      q('status', { enum: ['firing', 'resolved', 'all'] }, 'default all'), q('kind', { enum: ['threshold', 'anomaly', 'all'] }, 'default all'), region, ...range, q('limit', { type: 'integer' }, 'default 200')]),
    '/api/anomalies': get('Readings scored as anomalous (score ≥ 1 = the model threshold) with their contributing metric, and the current model', [
      region, q('host', { type: 'string' }, 'only this host'), ...range, q('limit', { type: 'integer', minimum: 1, maximum: 5000 }, 'default 500, highest scores kept'),
    ]),
    '/api/health-scores': get('Daily health score per host, worst first', [q('date', { type: 'string', format: 'date' }, 'default: latest day'), region, q('limit', { type: 'integer' }, 'default 20')]),
    '/api/stream': { get: { summary: 'Server-Sent Events: overview and volume every interval, alerts as they open and resolve', parameters: [region, q('interval', { enum: ['1s', '5s', '30s', '1m'] }, 'default 1s')], responses: { 200: { description: 'text/event-stream' }, 400: error } } },
    '/api/control/rate': { post: { summary: 'Change the live generator rate (bearer token from PULSE_CONTROL_TOKEN)', security: [{ bearer: [] }], requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { rate: { type: 'number', minimum: 0, maximum: 100000 } }, required: ['rate'] } } } }, responses: { 202: { description: 'rate change sent' }, 400: error, 401: error, 403: error } } },
    '/api/openapi.json': get('This document', []),
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } } },
    },
  },
} as const;

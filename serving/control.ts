// Changing the live generator's rate from the dashboard: POST /api/control/rate with a
// bearer token from PULSE_CONTROL_TOKEN. Without a configured token the endpoint is off.

import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Producer } from 'kafkajs';
import { z } from 'zod';
import { CONTROL_TOPIC, createKafka, PulseError, type KafkaConnection, type Logger } from '../infra/index.ts';
import { setRateCommand } from '../telemetry/index.ts';

const BODY = z.object({ rate: z.number().min(0).max(100_000) }).strict();

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function controlHandler(options: { kafka: KafkaConnection; token: string | undefined; topic?: string; logger?: Logger }) {
  let producer: Promise<Producer> | undefined;
  const connect = () => (producer ??= (async () => {
    const p = createKafka({ ...options.kafka, clientId: 'pulse-serving-control', ...(options.logger ? { logger: options.logger } : {}) }).producer();
    await p.connect();
    return p;
  })());
  const handler = async (req: Request, res: Response) => {
    if (!options.token) throw new PulseError('CONTROL_DISABLED', 'live-feed control is off: set PULSE_CONTROL_TOKEN on the serving layer');
    const header = req.get('authorization') ?? '';
    if (!header.startsWith('Bearer ') || !sameToken(header.slice(7), options.token)) throw new PulseError('UNAUTHORIZED', 'a valid bearer token is required');
    const parsed = BODY.safeParse(req.body);
    if (!parsed.success) throw new PulseError('INVALID_PARAMETER', `rate: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    await (await connect()).send({ topic: options.topic ?? CONTROL_TOPIC, messages: [{ value: setRateCommand(parsed.data.rate) }] });
    options.logger?.info({ rate: parsed.data.rate }, 'live rate change requested');
    res.status(202).json({ rate: parsed.data.rate });
  };
  return { handler, close: async () => { if (producer) await (await producer).disconnect(); } };
}

// Seeded randomness for the signal model (pure-rand's xoroshiro128+). Every host gets
// its own stream, so adding a region or a host never changes another host's readings.

import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export interface Random {
  /** Uniform in [0, 1). */
  float(): number;
  /** Uniform in [min, max). */
  range(min: number, max: number): number;
  /** Integer uniform in [min, max]. */
  int(min: number, max: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  chance(probability: number): boolean;
}

/** A 32-bit seed mixed from several integers (FNV-1a over their decimal text). */
export function mixSeed(...parts: (number | string)[]): number {
  let hash = 0x811c9dc5;
  for (const char of parts.join('|')) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

export function createRandom(seed: number): Random {
  const rng = xoroshiro128plus(seed);
  const float = () => uniformFloat64(rng);
  return {
    float,
    range: (min, max) => min + (max - min) * float(),
    int: (min, max) => min + Math.floor(float() * (max - min + 1)),
    normal: () => {
      const u = 1 - float();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * float());
    },
    chance: (p) => float() < p,
  };
}

// Unit conversions and rounding shared by every layer. Rounding is half away from
// zero on the scaled value, which is exactly what DuckDB's round(x, n) does for
// DOUBLE, so batch SQL and these functions agree to the last digit.

/** Round half away from zero to `digits` decimals (DuckDB `round(x, digits)` semantics). */
export function roundTo(value: number, digits: number): number {
  if (!Number.isFinite(value)) return value;
  const scale = 10 ** digits;
  const scaled = value * scale;
  const rounded = Math.sign(scaled) * Math.round(Math.abs(scaled));
  // Avoid -0: it serialises as 0 in JSON but compares unequal with Object.is.
  return rounded / scale + 0;
}

/** Decimal places kept for each kind of value. */
export const PRECISION = { temperature: 1, percent: 2, power: 1, voltage: 2, traffic: 2 } as const;

export function fahrenheitToCelsius(f: number): number {
  return roundTo(((f - 32) * 5) / 9, PRECISION.temperature);
}

export function kelvinToCelsius(k: number): number {
  return roundTo(k - 273.15, PRECISION.temperature);
}

export function roundCelsius(c: number): number {
  return roundTo(c, PRECISION.temperature);
}

/** A 0–1 load fraction as a percentage: 0.57 → 57 (never 56.99999999999999). */
export function fractionToPercent(fraction: number): number {
  return roundTo(fraction * 100, PRECISION.percent);
}

export function roundPercent(pct: number): number {
  return roundTo(pct, PRECISION.percent);
}

// Inverse conversions, used by the generator to write native units.
export function celsiusToFahrenheit(c: number): number {
  return (c * 9) / 5 + 32;
}

export function celsiusToKelvin(c: number): number {
  return c + 273.15;
}

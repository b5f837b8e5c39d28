import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  celsiusToFahrenheit, celsiusToKelvin, fahrenheitToCelsius, fractionToPercent, kelvinToCelsius, roundTo,
} from './index.ts';

describe('roundTo', () => {
  it('rounds half away from zero, like DuckDB round(x, n)', () => {
    expect(roundTo(2.25, 1)).toBe(2.3);
    expect(roundTo(-2.25, 1)).toBe(-2.3);
    expect(roundTo(0.5, 0)).toBe(1);
    expect(roundTo(-0.5, 0)).toBe(-1);
  });

  it('never yields negative zero', () => {
    expect(Object.is(roundTo(-0.01, 1), 0)).toBe(true);
  });

  it('passes non-finite values through unchanged', () => {
    expect(roundTo(Number.NaN, 1)).toBeNaN();
    expect(roundTo(Infinity, 1)).toBe(Infinity);
  });
});

describe('unit conversions', () => {
  it('converts Fahrenheit to Celsius rounded to 0.1', () => {
    expect(fahrenheitToCelsius(212)).toBe(100);
    expect(fahrenheitToCelsius(98.6)).toBe(37);
    expect(fahrenheitToCelsius(-40)).toBe(-40);
    expect(fahrenheitToCelsius(100)).toBe(37.8);
  });

  it('converts Kelvin to Celsius rounded to 0.1', () => {
    expect(kelvinToCelsius(273.15)).toBe(0);
    expect(kelvinToCelsius(300.15)).toBe(27);
    expect(kelvinToCelsius(363.2)).toBe(90.1);
  });

  it('turns a load fraction into a percentage without float noise', () => {
    expect(fractionToPercent(0.57)).toBe(57);
    expect(fractionToPercent(0.5699)).toBe(56.99);
    expect(fractionToPercent(0.123456)).toBe(12.35);
  });

  const celsius = fc.double({ min: -50, max: 150, noNaN: true });

  it('round-trips °C → °F → °C within the 0.05 rounding step', () => {
    fc.assert(fc.property(celsius, (c) => Math.abs(fahrenheitToCelsius(celsiusToFahrenheit(c)) - c) <= 0.05 + 1e-9));
  });

  it('round-trips °C → K → °C within the 0.05 rounding step', () => {
    fc.assert(fc.property(celsius, (c) => Math.abs(kelvinToCelsius(celsiusToKelvin(c)) - c) <= 0.05 + 1e-9));
  });

  it('round-trips fraction → % within the 0.005 rounding step', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (f) => Math.abs(fractionToPercent(f) - f * 100) <= 0.005 + 1e-9));
  });

  it('keeps at most the stated number of decimals', () => {
    fc.assert(fc.property(celsius, (c) => {
      const text = String(fahrenheitToCelsius(celsiusToFahrenheit(c)));
      return (text.split('.')[1] ?? '').length <= 1;
    }));
  });
});

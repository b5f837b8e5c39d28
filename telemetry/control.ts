// Commands sent to running producers over the control topic (a contract between the serving
// layer and the live generator). Parsed defensively: a malformed command is ignored, never fatal.

export type ControlCommand = { type: 'set_rate'; rate: number };

/** The highest rate a command may ask for, in events per second. */
export const MAX_RATE = 1_000_000;

export function parseControlCommand(text: string): ControlCommand | null {
  try {
    const value = JSON.parse(text) as { type?: unknown; rate?: unknown };
    if (value.type === 'set_rate' && typeof value.rate === 'number' && Number.isFinite(value.rate) && value.rate >= 0 && value.rate <= MAX_RATE) {
      return { type: 'set_rate', rate: value.rate };
    }
  } catch {
    // not JSON: fall through
  }
  return null;
}

export function setRateCommand(rate: number): string {
  return JSON.stringify({ type: 'set_rate', rate });
}

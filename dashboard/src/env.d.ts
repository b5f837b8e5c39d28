// telemetry/'s cold-archive format names Node's Buffer (archive entries' keys and values),
// which the dashboard never uses; in the browser's type world it is declared here as the byte
// array with an encoding-aware toString that it is, instead of pulling in all of Node's types.
interface Buffer extends Uint8Array { toString(encoding?: string): string }

// KafkaJS 2.2.4 schedules a timer with a negative delay on every connection, which
// Node >= 23 reports as a TimeoutNegativeWarning (tulios/kafkajs#1751). The timer still
// fires after 1 ms, so the warning is noise; every other warning is printed as usual.

let installed = false;

export function silenceKnownWarnings(): void {
  if (installed) return;
  installed = true;
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    process.stderr.write(`(node:${process.pid}) ${warning.name}: ${warning.message}\n`);
  });
}

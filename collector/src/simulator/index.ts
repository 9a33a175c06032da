// Public surface of the simulator: the command, the programmatic API for tests, benchmarks and
// the `npm start` demo, and the pieces a test needs to recount a stream.
export { simulateCommand, SIMULATE_USAGE, parseSeed, type SimulateIO } from './simulate.command.js';
export { createGenerator, eventsPerPayment, type EventGenerator, type GeneratorConfig } from './generator.js';
export { sendEvents, retryAfterMs, type SendOptions, type SendProgress, type SendReport } from './sender.js';
export { writeEventsFile, type WriteFileOptions, type WriteFileReport } from './file-writer.js';
export {
  countEvents,
  createCounter,
  emptyCounts,
  gmvMajor,
  successRate,
  type Counter,
  type ProviderCounts,
  type SimCounts,
} from './counts.js';
export {
  parseIncident,
  parseDuration,
  parseTime,
  describeIncident,
  INCIDENT_TYPES,
  SimulatorOptionError,
  type Incident,
  type IncidentType,
} from './incidents.js';
export { parseHoliday, describeHoliday, holidayCalendar, type Holiday } from './holidays.js';

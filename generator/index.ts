// Public surface of generator/: the simulated fleet's history files and live stream.
export { writeHistory, historyFileName, type HistorySummary } from './history/write.ts';
export { planHistory, historyRows, versionAt, type HistoryOptions, type HistoryPlan, type HistoryRow } from './history/plan.ts';
export { INCIDENT_KINDS, INCIDENT_METRIC, toLabel, type Incident, type IncidentKind, type IncidentLabel } from './signals/incidents.ts';
export { schemaChangeTimes, SCHEMA_CHANGE_FRACTION } from './signals/native-records.ts';
export { startLiveGenerator, type LiveGenerator, type LiveGeneratorOptions } from './live/live-generator.ts';
export { LiveFleet } from './live/live-fleet.ts';
export { incidentReadings } from './signals/incident-host.ts';
export { parseControlCommand, setRateCommand, type ControlCommand } from '../telemetry/index.ts';
export { startAgent, agentHostId, type Agent, type AgentOptions } from './agent/agent.ts';
export { startBridge, type Bridge, type BridgeOptions, type BridgeStats } from './bridge/bridge.ts';

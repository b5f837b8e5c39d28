// Following the anomaly models the batch layer publishes: when a watermark NOTIFY arrives,
// the newest model is loaded if it is not the one scoring already, so the speed layer takes
// up a new model without a restart. One load at a time; a failed load keeps the old model.

import type { Logger, Pool } from '../infra/index.ts';
import { loadNewestModel, type AnomalyTracker } from './anomaly-tracker.ts';

export interface ModelFollower {
  /** Load the newest model if it is newer than the one in use (called on every watermark). */
  reload(): void;
  /** Resolves once the loads asked for so far have finished. */
  settled(): Promise<void>;
}

export function followModels(pool: Pool, anomalies: AnomalyTracker, logger: Logger | undefined): ModelFollower {
  let reloading = Promise.resolve();
  return {
    reload: () => {
      reloading = reloading.then(async () => {
        const newest = await pool.query<{ version: string }>('SELECT max(version) AS version FROM anomaly_models');
        const version = newest.rows[0]?.version === null || newest.rows[0]?.version === undefined ? null : Number(newest.rows[0].version);
        if (version === null || version === anomalies.modelVersion) return;
        anomalies.use(await loadNewestModel(pool));
        logger?.info({ modelVersion: anomalies.modelVersion }, 'anomaly model loaded');
      }).catch((error: unknown) => logger?.warn({ err: error }, 'could not load the anomaly model; scoring goes on with the previous one'));
    },
    settled: () => reloading,
  };
}

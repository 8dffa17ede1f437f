import { openSessionQueueProbe } from '@hourmeter/broker';
import type { HourMeter } from '@hourmeter/metering';
import type { PartitionMetricsSnapshot } from '@hourmeter/metrics';
import type { PartitionLeaseStore } from '@hourmeter/partitions';
import type { PredictionService } from '@hourmeter/prediction';
import type { Config, Logger, Shutdown } from '@hourmeter/runtime';
import type { TelemetryStore } from '@hourmeter/telemetry-store';
import { SERVICE_ACCOUNTS, type ServiceLink } from '../service-link.js';
import { ingestHandler, predictionHandler } from './partition-handlers.js';
import { partitionSessionId, startPartitionWorker, type PartitionWorker } from './partition-worker.js';

interface Common {
  readonly config: Config;
  readonly nodeId: string;
  readonly leases: PartitionLeaseStore;
  readonly logger: Logger;
  readonly shutdown: Shutdown;
}

export type WorkerDeps = Common &
  (
    | {
        readonly group: 'ingest';
        readonly store: TelemetryStore;
        readonly hourMeter: HourMeter;
        readonly link: ServiceLink;
        readonly observeWrite: (ms: number, readings: number) => void;
      }
    | { readonly group: 'prediction'; readonly prediction: PredictionService }
  );

export interface RoleWorker {
  readonly worker: PartitionWorker;
  metrics(): PartitionMetricsSnapshot;
}

/** Starts the scaled-out worker of HM_ROLE=ingest or prediction; stopping it is registered with `shutdown`. */
export async function startRoleWorker(deps: WorkerDeps): Promise<RoleWorker> {
  const { config, shutdown } = deps;
  const base = {
    group: deps.group,
    account: SERVICE_ACCOUNTS[deps.group],
    mqttUrl: config.HM_MQTT_URL!,
    secret: config.HM_SERVICE_SECRET!,
    nodeId: deps.nodeId,
    partitions: config.HM_PARTITIONS,
    leaseMs: config.HM_PARTITION_LEASE_MS,
    leases: deps.leases,
    logger: deps.logger,
  };
  let skipped = () => 0;
  let worker: PartitionWorker;
  if (deps.group === 'ingest') {
    // The prediction sessions' queues are read from the brokers' Redis: the
    // gate keeps them at HM_PARTITION_MAX_QUEUED like the brokers keep theirs.
    const probe = openSessionQueueProbe(config.HM_REDIS_URL!);
    shutdown.register('session queue probe', () => probe.close());
    const handler = ingestHandler({
      store: deps.store,
      hourMeter: deps.hourMeter,
      link: deps.link,
      logger: deps.logger,
      observeWrite: deps.observeWrite,
      prediction: {
        // Unknown (Redis unreachable) counts as room: the publish itself then fails or succeeds.
        accepts: async (p) =>
          (await probe.queued(partitionSessionId(SERVICE_ACCOUNTS.prediction, p)).catch(() => 0)) < config.HM_PARTITION_MAX_QUEUED,
      },
    });
    skipped = () => handler.skippedForPrediction();
    worker = await startPartitionWorker({ ...base, stream: 'telemetry', handle: handler.handle });
  } else {
    worker = await startPartitionWorker({ ...base, stream: 'stored', handle: predictionHandler(deps.prediction) });
  }
  shutdown.register(`${deps.group} worker`, () => worker.stop());
  return {
    worker,
    metrics: () => ({ group: deps.group, owned: worker.ownedPartitions().length, processed: worker.processed(), skippedForPrediction: skipped() }),
  };
}

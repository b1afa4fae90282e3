/**
 * Prometheus metrics (prom-client): ingest rate, queue depth and age, job failures, search latency and
 * model inference time. Queue gauges are read from the database at scrape time, so any process's
 * /metrics shows the whole queue; counters count this process's own work.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ClipEmbedder } from '../../ports/clip-embedder.js';
import type { JobQueue } from '../../ports/job-queue.js';

export class Metrics {
  readonly registry = new Registry();
  readonly imagesIngested = new Counter({
    name: 'loupe_images_ingested_total',
    help: 'Images indexed by this process (jobs done)',
    registers: [this.registry],
  });
  readonly jobFailures = new Counter({
    name: 'loupe_job_failures_total',
    help: 'Job tries that failed, by outcome (retry, failed, dead) and error code',
    labelNames: ['outcome', 'code'],
    registers: [this.registry],
  });
  readonly searchSeconds = new Histogram({
    name: 'loupe_search_duration_seconds',
    help: 'Search request latency',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly inferenceSeconds = new Histogram({
    name: 'loupe_model_inference_seconds',
    help: 'Model inference time per call',
    labelNames: ['model', 'input'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'loupe_http_requests_total',
    help: 'HTTP requests by method and status',
    labelNames: ['method', 'status'],
    registers: [this.registry],
  });

  constructor(jobs: JobQueue) {
    collectDefaultMetrics({ register: this.registry, prefix: 'loupe_process_' });
    new Gauge({
      name: 'loupe_queue_jobs',
      help: 'Ingestion jobs by status (all spaces)',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const counts = await jobs.counts('all');
        for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'loupe_queue_oldest_pending_seconds',
      help: 'How long the oldest claimable job has waited',
      registers: [this.registry],
      async collect() {
        this.set(await jobs.oldestPendingAge());
      },
    });
  }

  /** Counts a worker's jobs as it reports them (anything with the ingest worker's 'job' event). */
  watchWorker(worker: { on(event: 'job', listener: (e: { status: string; code?: string }) => void): unknown }) {
    worker.on('job', (e) => {
      if (e.status === 'done') this.imagesIngested.inc();
      else this.jobFailures.inc({ outcome: e.status === 'pending' ? 'retry' : e.status, code: e.code ?? 'INTERNAL' });
    });
  }

  /** The embedder, with each call timed. */
  timeEmbedder(clip: ClipEmbedder): ClipEmbedder {
    const time = <T>(input: string, run: () => Promise<T>) => {
      const end = this.inferenceSeconds.startTimer({ model: clip.model, input });
      return run().finally(() => end());
    };
    return Object.assign(Object.create(clip) as ClipEmbedder, {
      embedImages: (images: Parameters<ClipEmbedder['embedImages']>[0]) =>
        time('image', () => clip.embedImages(images)),
      embedTexts: (texts: string[]) => time('text', () => clip.embedTexts(texts)),
    });
  }
}

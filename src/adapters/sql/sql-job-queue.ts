import { DEFAULT_SPACE_ID } from '../../core/spaces.js';
import type { IngestJob, IngestPayload, JobQueue, JobStatus, RetryPolicy } from '../../ports/job-queue.js';
import type { SqlClient } from './sql-client.js';
import { isUuid, iso } from './sql-store.js';

interface JobRow {
  id: string;
  space_id: string;
  status: JobStatus;
  sha256: string;
  payload: IngestPayload | string;
  image_id: string | null;
  error: string | null;
  error_code: string | null;
  attempts: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const toJob = (r: JobRow): IngestJob => ({
  id: r.id,
  spaceId: r.space_id,
  status: r.status,
  sha256: r.sha256,
  payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
  imageId: r.image_id,
  error: r.error,
  errorCode: r.error_code,
  attempts: r.attempts,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

const emptyCounts = (): Record<JobStatus, number> => ({ pending: 0, running: 0, done: 0, failed: 0, dead: 0 });

/**
 * Jobs in a table. Claims are one UPDATE over rows picked with FOR UPDATE SKIP LOCKED, so any number of
 * workers on one database never take the same job; a claim is a lease, renewed while the worker works.
 * Enqueueing and lookups are scoped to one space; claiming serves every space (workers are shared).
 */
export class SqlJobQueue implements JobQueue {
  constructor(
    private readonly db: SqlClient,
    private readonly retry: RetryPolicy,
    private readonly spaceId = DEFAULT_SPACE_ID,
  ) {}

  forSpace(spaceId: string) {
    return new SqlJobQueue(this.db, this.retry, spaceId);
  }

  async enqueue(job: { id: string; sha256: string; payload: IngestPayload }) {
    await this.db.query(
      `insert into jobs (id, space_id, kind, status, sha256, payload) values ($1, $2, 'ingest', 'pending', $3, $4::jsonb)`,
      [job.id, this.spaceId, job.sha256, JSON.stringify(job.payload)],
    );
  }

  async claim(limit: number, lease: { workerId: string; leaseMs: number }) {
    // A job whose worker died on its last try is dead rather than claimed forever.
    await this.db.query(
      `update jobs set status = 'dead', locked_by = null, lease_until = null, updated_at = now(),
         error = coalesce(error || '; ', '') || 'its worker stopped responding on try ' || attempts || ' of ' || $1::int, error_code = coalesce(error_code, 'WORKER_LOST')
       where status = 'running' and lease_until < now() and attempts >= $1`,
      [this.retry.maxAttempts],
    );
    const rows = await this.db.query<JobRow>(
      `update jobs set status = 'running', attempts = attempts + 1, locked_by = $2,
         lease_until = now() + make_interval(secs => $3::double precision / 1000), updated_at = now()
       where id in (
         select id from jobs
         where (status = 'pending' and run_after <= now()) or (status = 'running' and lease_until < now())
         order by created_at, id limit $1 for update skip locked)
       returning *`,
      [limit, lease.workerId, lease.leaseMs],
    );
    await this.notePoll(lease.workerId);
    return rows.map(toJob).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  private polled = new Map<string, number>();
  /** Records that a worker asked for jobs (every 10 s at most): best effort, never in the way of claiming. */
  private async notePoll(workerId: string) {
    const now = Date.now();
    if (now - (this.polled.get(workerId) ?? 0) < 10_000) return;
    this.polled.set(workerId, now);
    await this.db
      .query(
        `insert into worker_polls (worker_id, polled_at) values ($1, now()) on conflict (worker_id) do update set polled_at = now()`,
        [workerId],
      )
      .catch(() => {});
    await this.db.query(`delete from worker_polls where polled_at < now() - interval '1 day'`).catch(() => {}); // workers long gone
  }

  async renew(ids: string[], lease: { workerId: string; leaseMs: number }) {
    if (!ids.length) return [];
    const rows = await this.db.query<{ id: string }>(
      `update jobs set lease_until = now() + make_interval(secs => $3::double precision / 1000)
       where id = any($1::uuid[]) and status = 'running' and locked_by = $2 returning id`,
      [ids, lease.workerId, lease.leaseMs],
    );
    return rows.map((r) => r.id);
  }

  async complete(id: string, imageId: string, workerId: string) {
    const rows = await this.db.query(
      `update jobs set status = 'done', image_id = $2, error = null, error_code = null, locked_by = null, lease_until = null,
         completions = completions + 1, updated_at = now()
       where id = $1 and status = 'running' and locked_by = $3 returning id`,
      [id, imageId, workerId],
    );
    return rows.length > 0;
  }

  async fail(id: string, failure: { error: string; code: string | null; retry: boolean }, workerId: string) {
    const { maxAttempts, baseDelayMs, maxDelayMs } = this.retry;
    const [row] = await this.db.query<{ status: JobStatus }>(
      `update jobs set
         status = case when not $4 then 'failed' when attempts >= $5 then 'dead' else 'pending' end,
         run_after = now() + make_interval(secs => least($7::double precision, $6::double precision * power(2, greatest(attempts - 1, 0))) / 1000),
         error = $2, error_code = $3, locked_by = null, lease_until = null, updated_at = now()
       where id = $1 and status = 'running' and locked_by = $8 returning status`,
      [id, failure.error, failure.code, failure.retry, maxAttempts, baseDelayMs, maxDelayMs, workerId],
    );
    return row?.status ?? null;
  }

  async release(ids: string[], workerId: string) {
    if (!ids.length) return;
    // Not the job's fault: the try is not counted.
    await this.db.query(
      `update jobs set status = 'pending', attempts = greatest(attempts - 1, 0), locked_by = null, lease_until = null, run_after = now(), updated_at = now()
       where id = any($1::uuid[]) and status = 'running' and locked_by = $2`,
      [ids, workerId],
    );
  }

  async lastPolled() {
    const [row] = await this.db.query<{ at: Date | string | null }>(`select max(polled_at) as at from worker_polls`);
    return row?.at ? new Date(row.at) : null;
  }

  async get(id: string) {
    if (!isUuid(id)) return null;
    const [row] = await this.db.query<JobRow>('select * from jobs where id = $1 and space_id = $2', [id, this.spaceId]);
    return row ? toJob(row) : null;
  }

  async findActiveBySha(sha256: string) {
    const [row] = await this.db.query<JobRow>(
      `select * from jobs where space_id = $2 and sha256 = $1 and status in ('pending', 'running') order by created_at limit 1`,
      [sha256, this.spaceId],
    );
    return row ? toJob(row) : null;
  }

  /** Counts in this space, or in every space (metrics). */
  async counts(scope: 'space' | 'all' = 'space') {
    const rows = await this.db.query<{ status: JobStatus; n: string | number }>(
      `select status, count(*) as n from jobs ${scope === 'space' ? 'where space_id = $1' : ''} group by status`,
      scope === 'space' ? [this.spaceId] : [],
    );
    const counts = emptyCounts();
    for (const r of rows) counts[r.status] = Number(r.n);
    return counts;
  }

  async requeueOrphans() {
    const rows = await this.db.query(
      `update jobs set status = 'pending', attempts = greatest(attempts - 1, 0), locked_by = null, lease_until = null, updated_at = now() where status = 'running' returning id`,
    );
    return rows.length;
  }

  async oldestPendingAge() {
    const [row] = await this.db.query<{ age: number | null }>(
      `select extract(epoch from now() - min(created_at))::double precision as age from jobs where status = 'pending' and run_after <= now()`,
    );
    return Math.max(0, Number(row?.age ?? 0));
  }

  async endedSince(since: Date, limit: number) {
    const rows = await this.db.query<JobRow>(
      `select * from jobs where updated_at > $1 and status in ('done', 'failed', 'dead') order by updated_at limit $2`,
      [since, limit],
    );
    return rows.map(toJob);
  }
}

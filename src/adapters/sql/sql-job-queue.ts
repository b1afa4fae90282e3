import type { IngestJob, IngestPayload, JobQueue, JobStatus } from '../../ports/job-queue.js';
import type { SqlClient } from './sql-client.js';
import { isUuid } from './sql-store.js';

interface JobRow {
  id: string;
  status: JobStatus;
  sha256: string;
  payload: IngestPayload | string;
  image_id: string | null;
  error: string | null;
  error_code: string | null;
  attempts: number;
  created_at: Date | string;
}

const toJob = (r: JobRow): IngestJob => ({
  id: r.id,
  status: r.status,
  sha256: r.sha256,
  payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
  imageId: r.image_id,
  error: r.error,
  errorCode: r.error_code,
  attempts: r.attempts,
  createdAt: (r.created_at instanceof Date ? r.created_at : new Date(r.created_at)).toISOString(),
});

/** Jobs in a table, claimed with FOR UPDATE SKIP LOCKED so that several workers never take the same job. */
export class SqlJobQueue implements JobQueue {
  constructor(private readonly db: SqlClient) {}

  async enqueue(job: { id: string; sha256: string; payload: IngestPayload }) {
    await this.db.query(`insert into jobs (id, kind, status, sha256, payload) values ($1, 'ingest', 'pending', $2, $3::jsonb)`, [
      job.id, job.sha256, JSON.stringify(job.payload),
    ]);
  }

  async claim(limit: number) {
    const rows = await this.db.query<JobRow>(
      `update jobs set status = 'running', attempts = attempts + 1, updated_at = now()
       where id in (select id from jobs where status = 'pending' order by created_at, id limit $1 for update skip locked)
       returning *`,
      [limit],
    );
    return rows.map(toJob).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async complete(id: string, imageId: string) {
    await this.db.query(`update jobs set status = 'done', image_id = $2, error = null, updated_at = now() where id = $1`, [id, imageId]);
  }

  async fail(id: string, error: string, code: string | null) {
    await this.db.query(`update jobs set status = 'failed', error = $2, error_code = $3, updated_at = now() where id = $1`, [id, error, code]);
  }

  async get(id: string) {
    if (!isUuid(id)) return null;
    const [row] = await this.db.query<JobRow>('select * from jobs where id = $1', [id]);
    return row ? toJob(row) : null;
  }

  async findActiveBySha(sha256: string) {
    const [row] = await this.db.query<JobRow>(`select * from jobs where sha256 = $1 and status in ('pending', 'running') order by created_at limit 1`, [sha256]);
    return row ? toJob(row) : null;
  }

  async counts() {
    const rows = await this.db.query<{ status: JobStatus; n: string | number }>('select status, count(*) as n from jobs group by status');
    const counts: Record<JobStatus, number> = { pending: 0, running: 0, done: 0, failed: 0 };
    for (const r of rows) counts[r.status] = Number(r.n);
    return counts;
  }

  async requeueRunning() {
    const rows = await this.db.query(`update jobs set status = 'pending', updated_at = now() where status = 'running' returning id`);
    return rows.length;
  }
}

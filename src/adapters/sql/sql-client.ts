/** The little of a SQL driver the store needs; PGlite and node-postgres both fit it. */
export interface SqlClient {
  /** Which database runs the SQL: their costs differ (one WASM thread against a server), and the store plans by them. */
  readonly engine?: 'pglite' | 'postgres';
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Several statements, no parameters. */
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * From now on, statements over the configured timeout are stopped. Until then (opening, migrations, start-up checks)
   * nothing is timed: a large library's start-up must not fail a limit meant for requests.
   */
  timeStatements?(): void;
  /**
   * Runs `fn` as work that may wait (searches, indexing): on a one-connection database its statements queue behind
   * everyone else's, so listing, stats and sign-in stay quick while it runs. Absent where connections are pooled.
   */
  behind?<T>(fn: () => Promise<T>): Promise<T>;
}

import { Client } from 'pg';

export interface StoredEvent {
  streamId: string;
  version: number;
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- event data as stored, inspected freely by specs
  data: any;
  recordedAt: Date;
}

/** Every session event of the database, by stream, in version order. */
export async function readSessionStreams(databaseUrl: string): Promise<Map<string, StoredEvent[]>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT stream_id, version, type, data, recorded_at FROM eventstore.events
       WHERE stream_id LIKE 'session-%' ORDER BY stream_id, version`,
    );
    const streams = new Map<string, StoredEvent[]>();
    for (const row of rows) {
      const list = streams.get(row.stream_id) ?? [];
      list.push({
        streamId: row.stream_id,
        version: row.version,
        type: row.type,
        data: row.data,
        recordedAt: row.recorded_at,
      });
      streams.set(row.stream_id, list);
    }
    return streams;
  } finally {
    await client.end();
  }
}

/** True when every session's runner has finished with it: nothing recorded is still to be worked on. */
export async function allSessionsSettled(databaseUrl: string): Promise<boolean> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT count(*)::int AS busy FROM eventstore.streams s
       LEFT JOIN runner.session_work w ON w.stream_id = s.stream_id
       WHERE s.stream_id LIKE 'session-%' AND (w.stream_id IS NULL OR w.lease_owner IS NOT NULL OR w.settled_version <> s.version)`,
    );
    return rows[0].busy === 0;
  } finally {
    await client.end();
  }
}

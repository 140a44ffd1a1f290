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
      list.push({ streamId: row.stream_id, version: row.version, type: row.type, data: row.data, recordedAt: row.recorded_at });
      streams.set(row.stream_id, list);
    }
    return streams;
  } finally {
    await client.end();
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agents get a sandbox policy (`config.sandbox`: lower limits, a runtime, an egress allow-list),
 * stored in the version's config like its other fields, so a session that recorded a version replays
 * with exactly its sandbox. The repository validates it; this constraint keeps a row written around
 * the repository from carrying a sandbox of the wrong shape (an egress that is not a list of names),
 * which the runner would otherwise meet only when it parses the version. Existing versions have no
 * sandbox and read as the operator's defaults without network.
 */
export class AgentSandbox1732100000850 implements MigrationInterface {
  name = 'AgentSandbox1732100000850';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE provisioning.agent_versions ADD CONSTRAINT agent_versions_sandbox_shape CHECK (
        NOT (config ? 'sandbox') OR (
          jsonb_typeof(config -> 'sandbox') = 'object'
          AND COALESCE(jsonb_typeof(config #> '{sandbox,egress}'), 'null') IN ('null', 'object')
          AND (jsonb_typeof(config #> '{sandbox,egress}') IS DISTINCT FROM 'object'
               OR jsonb_typeof(config #> '{sandbox,egress,allow}') = 'array')
          AND COALESCE(jsonb_typeof(config #> '{sandbox,runtime}'), 'null') IN ('null', 'string')
        )
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE provisioning.agent_versions DROP CONSTRAINT agent_versions_sandbox_shape`);
  }
}

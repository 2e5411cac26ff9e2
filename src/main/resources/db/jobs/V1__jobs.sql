-- Schema version 1 of the PostgreSQL job store (GATEWAY_JOBS_STORE=postgresql://...): what every gateway on
-- this database shares. Applied once, under the store's advisory lock, by the first gateway that starts.

-- One row per job, and per submission still being received (status 'draft', invisible to readers; its
-- lease fields say which gateway receives it and until when it counts as alive).
CREATE TABLE gateway_jobs (
  id                        text PRIMARY KEY,
  client                    text NOT NULL,
  spec                      jsonb NOT NULL,
  idempotency_key           text,
  fingerprint               text,
  status                    text NOT NULL
    CHECK (status IN ('draft', 'queued', 'running', 'paused', 'completed', 'cancelled', 'failed')),
  total                     bigint NOT NULL DEFAULT 0,
  answered                  bigint NOT NULL DEFAULT 0,
  available                 bigint NOT NULL DEFAULT 0,
  errors                    bigint NOT NULL DEFAULT 0,
  -- text stored for the job (lines and answers): what GATEWAY_JOBS_MAX_STORE_MB counts
  bytes                     bigint NOT NULL DEFAULT 0,
  created_at                timestamptz NOT NULL,
  started_at                timestamptz,
  finished_at               timestamptz,
  pause_reason              text,
  paused_until              timestamptz,
  rate                      double precision,
  -- the fencing token: increases with every claim; writes name the generation they were granted
  generation                bigint NOT NULL DEFAULT 0,
  lease_owner               text,
  lease_expires_at          timestamptz,
  callback_delivery_id      text,
  callback_status           text CHECK (callback_status IN ('pending', 'delivered', 'gave_up')),
  callback_attempts         integer,
  callback_first_attempt_at timestamptz,
  callback_next_attempt_at  timestamptz,
  callback_last_result      text
) WITH (fillfactor = 80); -- room for the frequent counter updates to stay on their page (HOT)

-- Keys are set when a job is committed; drafts have none, and NULLs never collide.
CREATE UNIQUE INDEX gateway_jobs_idempotency ON gateway_jobs (client, idempotency_key);
CREATE INDEX gateway_jobs_by_client ON gateway_jobs (client, id);
CREATE INDEX gateway_jobs_open ON gateway_jobs (created_at, id) WHERE status IN ('queued', 'running', 'paused');
CREATE INDEX gateway_jobs_finished ON gateway_jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX gateway_jobs_callbacks_due ON gateway_jobs (callback_next_attempt_at) WHERE callback_status = 'pending';

-- The input lines, 0-based among the non-blank lines; NULL marks a line too long to keep.
CREATE TABLE gateway_job_lines (
  job_id text NOT NULL,
  idx    bigint NOT NULL,
  line   text,
  PRIMARY KEY (job_id, idx)
);

-- Final answers, at most one per line (the first written wins), as the JSON text clients get.
CREATE TABLE gateway_job_answers (
  job_id text NOT NULL,
  idx    bigint NOT NULL,
  answer text NOT NULL,
  PRIMARY KEY (job_id, idx)
);

-- What other gateways must hear at once (LISTEN/NOTIFY; the payload is the job id): a job committed (its
-- runner may be anywhere), cancelled (its runner stops within a second, wherever the cancel came from), or
-- answered or ended (followers of its results, on any gateway, read on).
CREATE FUNCTION gateway_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'draft' AND NEW.status = 'queued' THEN
    PERFORM pg_notify('gateway_jobs_submitted', NEW.id);
  END IF;
  IF NEW.status = 'cancelled' AND OLD.status <> 'cancelled' THEN
    PERFORM pg_notify('gateway_jobs_cancelled', NEW.id);
  END IF;
  IF NEW.answered <> OLD.answered OR (NEW.finished_at IS NOT NULL AND OLD.finished_at IS NULL) THEN
    PERFORM pg_notify('gateway_jobs_answered', NEW.id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER gateway_jobs_notify AFTER UPDATE ON gateway_jobs
  FOR EACH ROW WHEN (OLD.status <> NEW.status OR OLD.answered <> NEW.answered)
  EXECUTE FUNCTION gateway_jobs_notify();

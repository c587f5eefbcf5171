import Store

/// The database schema of hospital-twin's records, in schema `hospital_twin`, as versioned migrations
/// (`DatabaseConnection.migrate`). A migration is never edited once released: a change is a new one.
/// Docs/STORE.md describes every table.
public enum RunStoreSchema {
    /// The schema's name.
    public static let name = "hospital_twin"

    /// The migrations, in order.
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "scenarios, runs, KPIs per replication, daily unit census, twin models", sql: """
            CREATE TABLE hospital_twin.scenarios (
                id bigserial PRIMARY KEY,
                name text NOT NULL,
                version integer NOT NULL CHECK (version >= 1),
                content_hash text NOT NULL UNIQUE,
                document jsonb NOT NULL,
                canonical_json text NOT NULL,
                source_path text,
                stored_at timestamptz NOT NULL DEFAULT now(),
                stored_by text NOT NULL,
                UNIQUE (name, version));

            CREATE TABLE hospital_twin.runs (
                id bigserial PRIMARY KEY,
                scenario_id bigint NOT NULL REFERENCES hospital_twin.scenarios (id),
                seed numeric(20, 0) NOT NULL,
                replications integer NOT NULL CHECK (replications >= 1),
                horizon_days integer NOT NULL CHECK (horizon_days >= 1),
                warm_up_days integer NOT NULL CHECK (warm_up_days >= 0),
                engine_version text NOT NULL,
                kpi_schema_version integer NOT NULL,
                status text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
                failure text,
                started_at timestamptz NOT NULL,
                finished_at timestamptz,
                run_by text NOT NULL,
                host text NOT NULL,
                imported_from text);
            CREATE INDEX runs_scenario ON hospital_twin.runs (scenario_id);

            CREATE TABLE hospital_twin.replication_kpis (
                run_id bigint NOT NULL REFERENCES hospital_twin.runs (id) ON DELETE CASCADE,
                replication integer NOT NULL CHECK (replication >= 0),
                kpis jsonb NOT NULL,
                PRIMARY KEY (run_id, replication));

            CREATE TABLE hospital_twin.replication_metrics (
                run_id bigint NOT NULL REFERENCES hospital_twin.runs (id) ON DELETE CASCADE,
                replication integer NOT NULL CHECK (replication >= 0),
                metrics jsonb NOT NULL,
                PRIMARY KEY (run_id, replication));

            CREATE TABLE hospital_twin.metrics (
                run_id bigint NOT NULL REFERENCES hospital_twin.runs (id) ON DELETE CASCADE,
                key text NOT NULL,
                label text NOT NULL,
                unit text NOT NULL,
                direction text NOT NULL,
                replications integer NOT NULL,
                mean double precision NOT NULL,
                standard_deviation double precision NOT NULL,
                half_width double precision NOT NULL,
                PRIMARY KEY (run_id, key));

            CREATE TABLE hospital_twin.unit_days (
                run_id bigint NOT NULL REFERENCES hospital_twin.runs (id) ON DELETE CASCADE,
                unit text NOT NULL,
                day date NOT NULL,
                replications integer NOT NULL,
                beds integer NOT NULL,
                mean double precision NOT NULL,
                p05 double precision NOT NULL,
                p50 double precision NOT NULL,
                p95 double precision NOT NULL,
                minimum double precision NOT NULL,
                maximum double precision NOT NULL,
                PRIMARY KEY (run_id, unit, day));

            CREATE TABLE hospital_twin.twin_models (
                id bigserial PRIMARY KEY,
                content_hash text NOT NULL UNIQUE,
                model jsonb NOT NULL,
                report text,
                source text,
                spells integer,
                stored_at timestamptz NOT NULL DEFAULT now(),
                stored_by text NOT NULL);
            """),
        Migration(version: 2, name: "cost lines by run, cost centre, category and month; the cost model of each run; "
                  + "replications' KPIs kept as the JSON text they were written in", sql: """
            ALTER TABLE hospital_twin.runs ADD COLUMN cost_model jsonb;

            -- A replication's KPIs are read back whole, never searched (replication_metrics is): json keeps the text
            -- as written and checks it, where jsonb would parse it into a tree on every write.
            ALTER TABLE hospital_twin.replication_kpis ALTER COLUMN kpis TYPE json USING kpis::json;

            CREATE TABLE hospital_twin.cost_lines (
                run_id bigint NOT NULL REFERENCES hospital_twin.runs (id) ON DELETE CASCADE,
                cost_centre text NOT NULL,
                category text NOT NULL,
                kind text NOT NULL CHECK (kind IN ('cost', 'income', 'deduction', 'memo')),
                month text NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
                currency text NOT NULL,
                position integer NOT NULL,
                amounts double precision[] NOT NULL,
                mean double precision NOT NULL,
                half_width double precision NOT NULL,
                PRIMARY KEY (run_id, cost_centre, category, month));
            """),
        Migration(version: 3, name: "the hospital feed: messages applied (pseudonymised) with their event, and the quarantine",
                  sql: """
            -- One row per message applied, keyed as HL7 keys it (sender application, facility, MSH-10): a
            -- retransmission finds its row and is not applied again. The message is stored with its identifiers
            -- replaced by keyed pseudonyms (Docs/FEED.md); content_mac (HMAC of the bytes as received) tells a
            -- retransmission from a different message reusing a key.
            CREATE TABLE hospital_twin.feed_messages (
                id bigserial PRIMARY KEY,
                received_at timestamptz NOT NULL DEFAULT now(),
                source text NOT NULL,
                sending_application text NOT NULL,
                sending_facility text NOT NULL,
                control_id text NOT NULL CHECK (control_id <> ''),
                content_mac text NOT NULL,
                message bytea NOT NULL,
                kind text NOT NULL,
                event_minute double precision NOT NULL,
                patient_key text NOT NULL,
                UNIQUE (sending_application, sending_facility, control_id));
            CREATE INDEX feed_messages_event_minute ON hospital_twin.feed_messages (event_minute);

            -- Messages that could not be applied, with why; kept so that none is lost. pseudonymised is false only
            -- for a message that could not be parsed (its identifiers could not be found to replace).
            CREATE TABLE hospital_twin.feed_quarantine (
                id bigserial PRIMARY KEY,
                received_at timestamptz NOT NULL DEFAULT now(),
                source text NOT NULL,
                sending_application text,
                sending_facility text,
                control_id text,
                message bytea NOT NULL,
                pseudonymised boolean NOT NULL,
                condition text NOT NULL,
                reason text NOT NULL);
            """),
        Migration(version: 4, name: "backtests: a rolling-origin backtest's scores, stored whole with its scenario", sql: """
            -- One row per backtest (hospital-twin backtest --store), written in one statement: its document is the
            -- report as the command rendered it (every method's score sums per series and horizon, the fans), so
            -- hospital-twin report ID --as backtest renders it again without simulating.
            CREATE TABLE hospital_twin.backtests (
                id bigserial PRIMARY KEY,
                scenario_id bigint NOT NULL REFERENCES hospital_twin.scenarios (id),
                engine_version text NOT NULL,
                origins integer NOT NULL CHECK (origins >= 1),
                document jsonb NOT NULL,
                stored_at timestamptz NOT NULL DEFAULT now(),
                run_by text NOT NULL,
                host text NOT NULL);
            """),
        Migration(version: 5, name: "accounts: users with roles and bcrypt passwords, hashed API tokens, an append-only audit log",
                  sql: """
            -- Who may use the server (Docs/SECURITY.md, "Accounts"). A name is the login; a role says what it may
            -- read and do. password_hash is bcrypt's modular form; NULL: no password (a system's account, tokens only).
            CREATE TABLE hospital_twin.users (
                id bigserial PRIMARY KEY,
                name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
                role text NOT NULL CHECK (role IN ('viewer', 'planner', 'manager', 'finance', 'clinician', 'admin')),
                password_hash text CHECK (password_hash IS NULL OR password_hash LIKE '$2_$%'),
                created_at timestamptz NOT NULL DEFAULT now(),
                disabled_at timestamptz);

            -- An API token is shown once, when made; only its SHA-256 (hex) is kept, and its first characters to tell
            -- tokens apart in a list.
            CREATE TABLE hospital_twin.api_tokens (
                id bigserial PRIMARY KEY,
                user_id bigint NOT NULL REFERENCES hospital_twin.users (id),
                token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
                prefix text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                revoked_at timestamptz);

            -- Who did what, when, from where: every account change, every sign-in (refused ones too). Rows are only
            -- ever added: the triggers refuse an update, a delete or a truncate, whoever asks.
            CREATE TABLE hospital_twin.audit_log (
                id bigserial PRIMARY KEY,
                at timestamptz NOT NULL DEFAULT clock_timestamp(),
                actor text NOT NULL,
                source text NOT NULL,
                action text NOT NULL,
                target text NOT NULL DEFAULT '',
                outcome text NOT NULL CHECK (outcome IN ('allowed', 'refused', 'failed')),
                detail text NOT NULL DEFAULT '');
            CREATE INDEX audit_log_actor_at ON hospital_twin.audit_log (actor, at);

            CREATE FUNCTION hospital_twin.audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'hospital_twin.audit_log is append-only: % refused', TG_OP;
            END $$;
            CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON hospital_twin.audit_log
                FOR EACH ROW EXECUTE FUNCTION hospital_twin.audit_log_is_append_only();
            CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON hospital_twin.audit_log
                FOR EACH STATEMENT EXECUTE FUNCTION hospital_twin.audit_log_is_append_only();
            """),
        Migration(version: 6, name: "sharded runs: planned runs worked by many processes, one transaction per replication",
                  sql: """
            -- A run planned to be worked in shards by separate processes (hospital-twin runs plan, then work;
            -- Docs/SCALE.md). 'planned': nothing stored yet. shards: how many; NULL for a run done in one process.
            -- planned_with: the first run of the plan (a comparison plans several runs that share their shards).
            -- twin_model: the text of the twin model file the scenario names, kept so that no worker needs a disk.
            ALTER TABLE hospital_twin.runs DROP CONSTRAINT runs_status_check;
            ALTER TABLE hospital_twin.runs ADD CONSTRAINT runs_status_check
                CHECK (status IN ('planned', 'running', 'completed', 'failed'));
            ALTER TABLE hospital_twin.runs
                ADD COLUMN shards integer CHECK (shards >= 1),
                ADD COLUMN planned_with bigint REFERENCES hospital_twin.runs (id),
                ADD COLUMN twin_model text;
            CREATE INDEX runs_planned_with ON hospital_twin.runs (planned_with);

            -- When and by which worker each replication was stored, and how long it took to simulate: what runs
            -- status estimates the time left from. NULL on the rows of runs stored before.
            ALTER TABLE hospital_twin.replication_kpis
                ADD COLUMN stored_at timestamptz,
                ADD COLUMN worker text,
                ADD COLUMN seconds double precision;
            ALTER TABLE hospital_twin.replication_kpis ALTER COLUMN stored_at SET DEFAULT clock_timestamp();

            -- Every time a worker took a shard: who, when, how it ended. 'working' with no live worker holding the
            -- shard's lock is an attempt that was killed.
            CREATE TABLE hospital_twin.shard_attempts (
                id bigserial PRIMARY KEY,
                run_id bigint NOT NULL REFERENCES hospital_twin.runs (id) ON DELETE CASCADE,
                shard integer NOT NULL CHECK (shard >= 0),
                worker text NOT NULL,
                started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                ended_at timestamptz,
                outcome text NOT NULL CHECK (outcome IN ('working', 'finished', 'failed')),
                failure text);
            CREATE INDEX shard_attempts_run ON hospital_twin.shard_attempts (run_id, shard);
            """),
        Migration(version: 7, name: "browser sessions with expiry and a CSRF token; the audit log searchable by source",
                  sql: """
            -- A browser's sign-in (Docs/SECURITY.md, "Sessions"). The cookie's token is shown to the browser only;
            -- its SHA-256 is kept. csrf_token is what the session's forms and unsafe API calls must carry. A session
            -- ends at ended_at (signed out, or its user disabled), at expires_at, or after an idle time.
            CREATE TABLE hospital_twin.sessions (
                id bigserial PRIMARY KEY,
                user_id bigint NOT NULL REFERENCES hospital_twin.users (id),
                token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
                csrf_token text NOT NULL,
                source text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                last_seen_at timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz NOT NULL,
                ended_at timestamptz);
            CREATE INDEX sessions_user ON hospital_twin.sessions (user_id);

            -- Sign-in attempts are counted by client address as well as by name, to slow a guesser down.
            CREATE INDEX audit_log_source_at ON hospital_twin.audit_log (source, at);
            """),
        Migration(version: 8, name: "a planned forecast's census, kept for the workers that run it",
                  sql: """
            -- The census a forecast planned in shards starts from (hospital-twin runs plan --kind forecast), as the
            -- planner prepared it: the inpatients' twins, readiness and recent discharges, as JSON. Workers read it
            -- instead of a census file or the feed, so every shard starts from the same patients. It holds
            -- pseudonymous patient-level data (Docs/SECURITY.md): it is read only by workers, never by a report.
            CREATE TABLE hospital_twin.run_censuses (
                run_id bigint PRIMARY KEY REFERENCES hospital_twin.runs (id) ON DELETE CASCADE,
                source text NOT NULL,
                inpatients integer NOT NULL CHECK (inpatients >= 0),
                recent_discharges integer NOT NULL CHECK (recent_discharges >= 0),
                document text NOT NULL);
            """),
        Migration(version: 9, name: "backtests planned in shards: each origin's scores stored by the worker that made them",
                  sql: """
            -- A backtest planned to be worked in shards (hospital-twin runs plan --kind backtest; Docs/SCALE.md): its
            -- origins split over workers, each origin's scores stored in its own transaction, the worker that stores
            -- the last one assembling the backtest (a row of backtests, backtest_id). Its id is drawn from the runs'
            -- sequence, so that work ID, runs status ID and runs finish ID name a run or a backtest plan unambiguously.
            -- request: the backtest's settings (origins' dates, time of day, step, horizon, replications, seed, fans).
            -- events_through: the feed's last message id when planned; workers read no message stored after it, so
            -- every worker reads the same log.
            CREATE TABLE hospital_twin.backtest_plans (
                id bigint PRIMARY KEY DEFAULT nextval('hospital_twin.runs_id_seq'),
                scenario_id bigint NOT NULL REFERENCES hospital_twin.scenarios (id),
                twin_model text,
                request jsonb NOT NULL,
                origins integer NOT NULL CHECK (origins >= 1),
                shards integer NOT NULL CHECK (shards >= 1 AND shards <= origins),
                events_through bigint NOT NULL CHECK (events_through >= 0),
                status text NOT NULL CHECK (status IN ('planned', 'running', 'completed')),
                backtest_id bigint REFERENCES hospital_twin.backtests (id),
                planned_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                finished_at timestamptz,
                run_by text NOT NULL,
                host text NOT NULL);

            -- One origin's scores (the workflow's OriginScores, JSON), keyed by (plan, origin): stored once.
            CREATE TABLE hospital_twin.backtest_origins (
                plan_id bigint NOT NULL REFERENCES hospital_twin.backtest_plans (id) ON DELETE CASCADE,
                origin integer NOT NULL CHECK (origin >= 0),
                document text NOT NULL,
                worker text NOT NULL,
                seconds double precision NOT NULL,
                stored_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                PRIMARY KEY (plan_id, origin));

            -- A shard attempt is a run's or a backtest plan's.
            ALTER TABLE hospital_twin.shard_attempts
                ALTER COLUMN run_id DROP NOT NULL,
                ADD COLUMN backtest_plan_id bigint REFERENCES hospital_twin.backtest_plans (id) ON DELETE CASCADE,
                ADD CONSTRAINT shard_attempts_one_subject CHECK ((run_id IS NULL) <> (backtest_plan_id IS NULL));
            CREATE INDEX shard_attempts_backtest ON hospital_twin.shard_attempts (backtest_plan_id, shard);
            """),
        Migration(version: 10, name: "the server's jobs: plans of runs it works itself, queued, resumed after a restart",
                  sql: """
            -- A job of hospital-twin serve's queue (Docs/SERVER.md, "Jobs"): a plan of runs (plan_id, as runs plan
            -- makes; runs: the plan's runs, a comparison's base first) that the server works itself, one shard, each
            -- replication stored in its own transaction as a worker stores it, so a job interrupted by a restart
            -- resumes where it stopped. A running job's server holds the job's advisory lock; a running job whose
            -- lock nobody holds was left by a server that died, and is interrupted.
            -- request: what was asked (kind, scenario ids, replications, seed, horizon, warm-up), as the server read it.
            CREATE TABLE hospital_twin.jobs (
                id bigserial PRIMARY KEY,
                kind text NOT NULL CHECK (kind IN ('run', 'comparison', 'forecast')),
                plan_id bigint NOT NULL REFERENCES hospital_twin.runs (id),
                runs bigint[] NOT NULL CHECK (cardinality(runs) >= 1),
                request jsonb NOT NULL,
                status text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'interrupted', 'completed', 'failed', 'cancelled')),
                submitted_by text NOT NULL,
                submitted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                started_at timestamptz,
                finished_at timestamptz,
                attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                cancel_requested boolean NOT NULL DEFAULT false,
                failure text);
            CREATE INDEX jobs_waiting ON hospital_twin.jobs (id) WHERE status IN ('queued', 'interrupted');
            """),
        Migration(version: 11, name: "backtest jobs: a job may work a backtest plan, which has no runs", sql: """
            -- A backtest job's plan is a row of backtest_plans (its id drawn from the runs' sequence, so it names
            -- no run): the plan is no longer a run's foreign key, and a backtest job lists no runs.
            ALTER TABLE hospital_twin.jobs DROP CONSTRAINT jobs_plan_id_fkey;
            ALTER TABLE hospital_twin.jobs DROP CONSTRAINT jobs_kind_check;
            ALTER TABLE hospital_twin.jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('run', 'comparison', 'forecast', 'backtest'));
            ALTER TABLE hospital_twin.jobs DROP CONSTRAINT jobs_runs_check;
            ALTER TABLE hospital_twin.jobs ADD CONSTRAINT jobs_runs_check CHECK (cardinality(runs) >= 1 OR kind = 'backtest');
            """),
        Migration(version: 12, name: "cost report jobs: finance's runs of a scenario, or of a baseline and the scenarios costed against it", sql: """
            ALTER TABLE hospital_twin.jobs DROP CONSTRAINT jobs_kind_check;
            ALTER TABLE hospital_twin.jobs ADD CONSTRAINT jobs_kind_check
                CHECK (kind IN ('run', 'comparison', 'forecast', 'backtest', 'costs'));
            """),
    ]
}
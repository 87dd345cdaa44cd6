// The store's schema, versioned with PRAGMA user_version. Each entry migrates from the
// version before it; a database newer than this code is refused rather than guessed at.

export const MIGRATIONS: readonly string[] = [
  // v1
  `
  CREATE TABLE sweeps (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,               -- running | completed | interrupted | failed
    config_json TEXT NOT NULL,          -- the sweep as asked for (never any secret)
    plan_json TEXT,                     -- the planned slots, stored before anything runs
    git_commit TEXT,
    git_dirty INTEGER,
    host TEXT,
    engine_version TEXT,
    serving_kind TEXT,                  -- simulated | command | restart-command | container | remote | none
    simulated INTEGER NOT NULL DEFAULT 0,
    serving_provenance_json TEXT,       -- what the server said of itself (/props, /v1/models)
    pairbench_version TEXT
  );

  CREATE TABLE trials (
    id TEXT PRIMARY KEY,
    sweep_id TEXT NOT NULL REFERENCES sweeps(id),
    slot_index INTEGER,                 -- the plan's slot: one (task, trial index) pair, run once by every harness
    group_index INTEGER,
    harness TEXT NOT NULL,              -- the variant's name; starts with its base harness
    harness_base TEXT,
    harness_config_json TEXT,
    task TEXT NOT NULL,
    trial_index INTEGER NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL,               -- core/outcomes.ts, or running | interrupted
    reward REAL,
    rewards_json TEXT,
    wall_ms REAL,
    setup_ms REAL,
    agent_ms REAL,
    verify_ms REAL,
    teardown_ms REAL,
    turns INTEGER,
    error_code TEXT,
    error_message TEXT,
    simulated INTEGER NOT NULL DEFAULT 0,
    image TEXT,
    container_name TEXT,
    trial_dir TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX trials_sweep ON trials(sweep_id, task, harness);
  CREATE INDEX trials_slot ON trials(sweep_id, slot_index);

  CREATE TABLE turns (
    trial_id TEXT NOT NULL REFERENCES trials(id),
    turn_index INTEGER NOT NULL,
    ttft_ms REAL,
    model_ms REAL,
    prompt_tokens INTEGER,
    cached_tokens INTEGER,
    completion_tokens INTEGER,
    reasoning_tokens INTEGER,
    reasoning_chars INTEGER,
    decode_tps REAL,
    draft_n INTEGER,
    draft_accepted INTEGER,
    speculative_applied INTEGER,        -- 1 sent and applied, 0 sent and not applied, NULL not sent
    http_status INTEGER,
    finish_reason TEXT,
    exec_ms REAL,
    wait_ms REAL,
    exit_code INTEGER,
    parse_ok INTEGER,
    command TEXT,
    error_code TEXT,
    PRIMARY KEY (trial_id, turn_index)
  );

  CREATE TABLE serving_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sweep_id TEXT NOT NULL,
    kind TEXT NOT NULL,                 -- start | ready | restart | canary | stop | crash | stall
    reason TEXT,                        -- e.g. group boundary, every N trials, canary slowdown
    at TEXT NOT NULL,
    duration_ms REAL,
    trials_done INTEGER,
    detail_json TEXT
  );
  CREATE INDEX serving_events_sweep ON serving_events(sweep_id, at);
  `,
  // v2: the sweep's lease. The runner executing a sweep holds it (host, pid and start time,
  // renewed by a heartbeat); a resume takes it over only from a runner that is gone.
  `
  ALTER TABLE sweeps ADD COLUMN lease_host TEXT;
  ALTER TABLE sweeps ADD COLUMN lease_pid INTEGER;
  ALTER TABLE sweeps ADD COLUMN lease_start TEXT;
  ALTER TABLE sweeps ADD COLUMN lease_heartbeat_at TEXT;
  `,
  // v3: what the recording proxy sees of an installed agent's calls.
  `
  ALTER TABLE turns ADD COLUMN tool_calls INTEGER;    -- tool calls in the reply (NULL: a built-in harness's turn)
  ALTER TABLE turns ADD COLUMN tool_names TEXT;       -- their names, comma-separated, in order
  `,
  // v4: the engine each trial ran on (a sweep may spread over several); null before pools.
  `
  ALTER TABLE trials ADD COLUMN engine TEXT;
  `,
  // v5: what \`pairbench serving check\` found a server does with each lever; a sweep on the same
  // server warns before it starts when a variant asks for one found ignored.
  `
  CREATE TABLE serving_checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base_url TEXT NOT NULL,             -- the server's root, without /v1 or a trailing slash
    model TEXT NOT NULL,
    dialect TEXT NOT NULL,
    simulated INTEGER NOT NULL DEFAULT 0,
    checked_at TEXT NOT NULL,
    findings_json TEXT NOT NULL         -- question -> { verdict, field, value, detail }
  );
  CREATE INDEX serving_checks_server ON serving_checks(base_url, model, checked_at);
  `,
  // v6: whether installed agents' containers were kept from the host's other services.
  `
  ALTER TABLE sweeps ADD COLUMN agent_isolation_json TEXT;  -- {"enforced": bool, "detail": text}; NULL: no installed agent
  `,
  // v7: why a sweep stopped short of its trials, when something of the sweep's own stopped it
  // (an unguardable network, a serving layer that would not start); a trial's cause stays its own.
  `
  ALTER TABLE sweeps ADD COLUMN error_code TEXT;     -- core/errors.ts, as thrown; NULL: no such stop, or an error without a code
  ALTER TABLE sweeps ADD COLUMN error_message TEXT;  -- the message as shown; NULL: no such stop
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

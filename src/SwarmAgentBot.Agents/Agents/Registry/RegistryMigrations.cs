using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>Tables of training runs, the model registry, aliases (with history) and the prediction log.</summary>
public static class RegistryMigrations
{
    /// <summary>All registry migrations.</summary>
    public static IEnumerable<IMigration> All =>
    [
        new SqlMigration("0200-training-runs", """
            CREATE TABLE training_runs (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              model_name TEXT NOT NULL,
              dataset_name TEXT NOT NULL,
              dataset_version INTEGER,
              dataset_sha256 TEXT,
              target TEXT NOT NULL,
              config_json TEXT NOT NULL,
              status TEXT NOT NULL,
              progress_json TEXT,
              metrics_json TEXT,
              leaderboard_json TEXT,
              model_version INTEGER,
              error TEXT,
              job_id TEXT,
              requested_by TEXT NOT NULL,
              conversation_json TEXT,
              reproduces_run_id INTEGER,
              announced_at TEXT,
              last_progress_post_at TEXT,
              created_at TEXT NOT NULL,
              started_at TEXT,
              finished_at TEXT
            );
            CREATE INDEX ix_training_runs_model ON training_runs(model_name);
            """),
        new SqlMigration("0201-model-registry", """
            CREATE TABLE models (
              name TEXT PRIMARY KEY,
              created_at TEXT NOT NULL,
              created_by TEXT NOT NULL
            );
            CREATE TABLE model_versions (
              model_name TEXT NOT NULL REFERENCES models(name),
              version INTEGER NOT NULL,
              run_id INTEGER,
              dataset_name TEXT,
              dataset_version INTEGER,
              dataset_sha256 TEXT,
              task TEXT NOT NULL,
              metric TEXT NOT NULL,
              metrics_json TEXT NOT NULL,
              artifact_key TEXT NOT NULL,
              model_sha256 TEXT NOT NULL,
              created_by TEXT NOT NULL,
              created_at TEXT NOT NULL,
              PRIMARY KEY (model_name, version)
            );
            CREATE TABLE model_aliases (
              model_name TEXT NOT NULL REFERENCES models(name),
              alias TEXT NOT NULL,
              version INTEGER NOT NULL,
              updated_at TEXT NOT NULL,
              updated_by TEXT NOT NULL,
              PRIMARY KEY (model_name, alias),
              FOREIGN KEY (model_name, version) REFERENCES model_versions(model_name, version)
            );
            CREATE TABLE model_alias_history (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              model_name TEXT NOT NULL,
              alias TEXT NOT NULL,
              from_version INTEGER,
              to_version INTEGER NOT NULL,
              kind TEXT NOT NULL,
              at TEXT NOT NULL,
              by TEXT NOT NULL,
              approved_by TEXT,
              approval_id TEXT
            );
            CREATE INDEX ix_alias_history ON model_alias_history(model_name, alias, id);
            """),
        new SqlMigration("0202-prediction-log", """
            CREATE TABLE prediction_log (
              id TEXT PRIMARY KEY,
              model_name TEXT NOT NULL,
              version INTEGER NOT NULL,
              alias TEXT,
              features_json TEXT NOT NULL,
              prediction_json TEXT NOT NULL,
              created_at TEXT NOT NULL,
              label_json TEXT,
              labelled_at TEXT
            );
            CREATE INDEX ix_prediction_log_model ON prediction_log(model_name, created_at);
            """),
        // One row per predict call instead of one per prediction (a 10,000-row batch is one INSERT of two blobs, see
        // PredictionCallFormat); labels beside it by call and index. prediction_log keeps its rows, still read and labelled.
        new SqlMigration("0203-prediction-calls", """
            CREATE TABLE prediction_calls (
              call_id TEXT PRIMARY KEY,
              model_name TEXT NOT NULL,
              version INTEGER NOT NULL,
              alias TEXT,
              created_at TEXT NOT NULL,
              row_count INTEGER NOT NULL,
              class_labels_json TEXT NOT NULL,
              features_json BLOB NOT NULL,
              predictions BLOB NOT NULL
            );
            CREATE INDEX ix_prediction_calls_model ON prediction_calls(model_name, created_at);
            CREATE TABLE prediction_labels (
              call_id TEXT NOT NULL REFERENCES prediction_calls(call_id),
              row_index INTEGER NOT NULL,
              label_json TEXT NOT NULL,
              labelled_at TEXT NOT NULL,
              PRIMARY KEY (call_id, row_index)
            ) WITHOUT ROWID;
            """),
        // Shipping between a serving pod and the bot (PredictionLogShipper, PredictionLogImporter): the pod's watermark
        // (last shipped prediction_calls rowid, and the segment under way) and the bot's imported segment keys.
        new SqlMigration("0204-prediction-log-shipping", """
            CREATE TABLE prediction_log_shipping (
              id INTEGER PRIMARY KEY CHECK (id = 1),
              shipped_rowid INTEGER NOT NULL,
              pending_key TEXT,
              pending_last_rowid INTEGER,
              updated_at TEXT NOT NULL
            );
            CREATE TABLE prediction_log_imports (
              object_key TEXT PRIMARY KEY,
              calls INTEGER NOT NULL,
              error TEXT,
              imported_at TEXT NOT NULL
            ) WITHOUT ROWID;
            """),
    ];
}

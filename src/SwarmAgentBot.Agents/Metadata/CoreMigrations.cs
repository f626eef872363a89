namespace SwarmAgentBot.Agents.Metadata;

/// <summary>Tables the conversation loop itself needs: conversations, audit log, approvals.</summary>
public static class CoreMigrations
{
    /// <summary>All core migrations.</summary>
    public static IEnumerable<IMigration> All =>
    [
        new SqlMigration("0001-conversations", """
            CREATE TABLE conversations (
              conversation_key TEXT PRIMARY KEY,
              channel_id TEXT NOT NULL,
              conversation_id TEXT NOT NULL,
              service_url TEXT,
              thread_id TEXT,
              bot_id TEXT,
              memory_json TEXT NOT NULL DEFAULT '{}',
              history_json TEXT NOT NULL DEFAULT '[]',
              updated_at TEXT NOT NULL
            );
            """),
        new SqlMigration("0002-audit", """
            CREATE TABLE audit_log (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              at TEXT NOT NULL,
              actor TEXT NOT NULL,
              action TEXT NOT NULL,
              resource TEXT,
              approved_by TEXT,
              details_json TEXT NOT NULL,
              prev_hash TEXT NOT NULL,
              hash TEXT NOT NULL
            );
            CREATE INDEX ix_audit_resource ON audit_log(resource);
            CREATE INDEX ix_audit_actor ON audit_log(actor);
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
            CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
            """),
        new SqlMigration("0003-approvals", """
            CREATE TABLE approvals (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              intent TEXT NOT NULL,
              summary TEXT NOT NULL,
              arguments_json TEXT NOT NULL,
              required_role TEXT NOT NULL,
              resource TEXT NOT NULL,
              requested_by TEXT NOT NULL,
              conversation_json TEXT NOT NULL,
              status TEXT NOT NULL,
              created_at TEXT NOT NULL,
              expires_at TEXT NOT NULL,
              decided_by TEXT,
              decided_at TEXT,
              comment TEXT,
              result_text TEXT,
              card_message_id TEXT
            );
            CREATE INDEX ix_approvals_status ON approvals(status);
            """),
        new SqlMigration("0004-parked-plans", """
            CREATE TABLE parked_plans (
              continuation_key TEXT PRIMARY KEY,
              conversation_json TEXT NOT NULL,
              user_id TEXT NOT NULL,
              steps_json TEXT NOT NULL,
              created_at TEXT NOT NULL
            );
            """),
    ];
}

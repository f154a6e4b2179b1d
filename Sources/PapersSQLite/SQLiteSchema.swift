import GRDB

/// The SQLite schema as numbered, append-only migrations. Never edit a migration once it has landed:
/// add a new one.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001 papers and keyword index") { db in
            try db.execute(sql: """
                CREATE TABLE paper (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    version INTEGER CHECK (version IS NULL OR version >= 1),
                    title TEXT NOT NULL,
                    abstract TEXT NOT NULL,
                    authors TEXT NOT NULL,            -- JSON [{"name":…, "affiliations":[…]}]
                    author_names TEXT NOT NULL,       -- "A, B, C": what the keyword index sees
                    categories TEXT NOT NULL,         -- space separated, primary first
                    published TEXT,                   -- YYYY-MM-DD
                    updated TEXT,
                    listed TEXT,
                    day TEXT NOT NULL,                -- the daily page it belongs to
                    versions TEXT NOT NULL,           -- JSON [{"version":1,"submitted":"YYYY-MM-DD"}]
                    doi TEXT,
                    journal_ref TEXT,
                    comments TEXT,
                    license TEXT,
                    links TEXT NOT NULL,              -- JSON ["https://…"]
                    fingerprint BLOB NOT NULL         -- SHA-256 of the record, for unchanged detection
                );
                CREATE INDEX paper_by_day ON paper(day, id);
                CREATE TABLE paper_category (
                    category TEXT NOT NULL,
                    paper INTEGER NOT NULL REFERENCES paper(seq) ON DELETE CASCADE,
                    PRIMARY KEY (category, paper)
                ) WITHOUT ROWID;
                CREATE INDEX paper_category_by_paper ON paper_category(paper);
                -- The keyword index: immutable segments written in the same transaction as the papers they
                -- cover, so the index can never disagree with the rows. docs/search.md describes the format.
                CREATE TABLE keyword_segment (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    doc_count INTEGER NOT NULL CHECK (doc_count >= 0),
                    docs BLOB NOT NULL,
                    postings BLOB NOT NULL
                );
                """)
        }
        migrator.registerMigration("0002 paper embeddings") { db in
            try db.execute(sql: """
                -- One sentence embedding per paper. `fingerprint` is the paper's fingerprint when it was embedded
                -- and `model` the encoder's name: a changed paper or another model makes the row stale, and
                -- `papers embed` recomputes exactly those.
                CREATE TABLE paper_embedding (
                    paper INTEGER PRIMARY KEY REFERENCES paper(seq) ON DELETE CASCADE,
                    model TEXT NOT NULL,
                    fingerprint BLOB NOT NULL,
                    vector BLOB NOT NULL CHECK (length(vector) % 4 = 0)   -- float32 little-endian
                );
                -- Bumped by every transaction that stores embeddings, so searchers know when to reload vectors.
                CREATE TABLE embedding_generation (
                    model TEXT PRIMARY KEY,
                    generation INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("0003 embedding generations") { db in
            try db.execute(sql: """
                -- The generation that stored each vector: a searcher that indexed up to generation g fetches only
                -- the rows stored after it (incremental vector-index updates).
                ALTER TABLE paper_embedding ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX paper_embedding_by_generation ON paper_embedding (model, generation);
                UPDATE paper_embedding SET generation = coalesce(
                    (SELECT g.generation FROM embedding_generation g WHERE g.model = paper_embedding.model), 0);
                """)
        }
        migrator.registerMigration("0004 harvest state, leases and featured papers") { db in
            try db.execute(sql: """
                -- Where each harvest stands (JSON of HarvestState), written after every page so a killed harvest
                -- resumes where it stopped.
                CREATE TABLE harvest_state (
                    key TEXT PRIMARY KEY,
                    state TEXT NOT NULL,
                    updated_at REAL NOT NULL
                );
                -- Named leases: at most one holder at a time, until `expires_at` (Unix seconds) unless renewed.
                CREATE TABLE lease (
                    name TEXT PRIMARY KEY,
                    holder TEXT NOT NULL,
                    expires_at REAL NOT NULL
                );
                -- Papers an outside curator featured on a day (Hugging Face daily papers), with its upvotes then.
                CREATE TABLE paper_feature (
                    paper INTEGER NOT NULL REFERENCES paper(seq) ON DELETE CASCADE,
                    source TEXT NOT NULL,
                    day TEXT NOT NULL,
                    upvotes INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (paper, source)
                ) WITHOUT ROWID;
                CREATE INDEX paper_feature_by_day ON paper_feature (day);
                """)
        }
        migrator.registerMigration("0005 accounts, votes, submissions and collections") { db in
            try db.execute(sql: """
                CREATE TABLE account (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    password_hash TEXT NOT NULL,     -- bcrypt, cost >= 12
                    created_at REAL NOT NULL
                );
                -- Sessions and API tokens are stored as SHA-256 hashes: a copy of the database logs nobody in.
                CREATE TABLE session (
                    token_hash BLOB PRIMARY KEY,
                    account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX session_by_expiry ON session (expires_at);
                CREATE TABLE api_token (
                    id INTEGER PRIMARY KEY,
                    token_hash BLOB NOT NULL UNIQUE,
                    account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    last_used_at REAL
                );
                -- One upvote per account and paper: the primary key makes counts exact however requests interleave.
                CREATE TABLE vote (
                    paper INTEGER NOT NULL REFERENCES paper(seq) ON DELETE CASCADE,
                    account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (paper, account)
                ) WITHOUT ROWID;
                CREATE INDEX vote_by_account ON vote (account, created_at);
                -- A paper submitted to a daily page; at most once.
                CREATE TABLE submission (
                    paper INTEGER PRIMARY KEY REFERENCES paper(seq) ON DELETE CASCADE,
                    account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    day TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE INDEX submission_by_day ON submission (day);
                CREATE INDEX submission_by_account ON submission (account, created_at);
                CREATE TABLE collection (
                    id INTEGER PRIMARY KEY,
                    owner INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    is_public INTEGER NOT NULL CHECK (is_public IN (0, 1)),
                    created_at REAL NOT NULL,
                    UNIQUE (owner, name)
                );
                CREATE TABLE collection_item (
                    collection INTEGER NOT NULL REFERENCES collection(id) ON DELETE CASCADE,
                    paper INTEGER NOT NULL REFERENCES paper(seq) ON DELETE CASCADE,
                    added_at REAL NOT NULL,
                    PRIMARY KEY (collection, paper)
                ) WITHOUT ROWID;
                CREATE INDEX collection_item_by_paper ON collection_item (paper);
                -- Instance secrets (the CSRF signing key), shared by every server on this database.
                CREATE TABLE secret (
                    name TEXT PRIMARY KEY,
                    value BLOB NOT NULL
                );
                """)
        }
        migrator.registerMigration("0006 subscriptions and the mail outbox") { db in
            try db.execute(sql: """
                CREATE TABLE subscription (
                    id INTEGER PRIMARY KEY,
                    email TEXT NOT NULL,
                    frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
                    preferences TEXT NOT NULL,          -- JSON: trending, topics, include, exclude, maxPapers
                    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'paused', 'unsubscribed')),
                    account INTEGER REFERENCES account(id) ON DELETE SET NULL,
                    created_at REAL NOT NULL,
                    confirmed_at REAL,
                    unsubscribed_at REAL,
                    confirmation_sent_at REAL,
                    bounces INTEGER NOT NULL DEFAULT 0
                );
                -- One pending request per address (repeats update it) and one live subscription per address and
                -- frequency (confirming a new one replaces the old).
                CREATE UNIQUE INDEX subscription_one_pending ON subscription (email) WHERE status = 'pending';
                CREATE UNIQUE INDEX subscription_one_live ON subscription (email, frequency) WHERE status IN ('active', 'paused');
                CREATE INDEX subscription_by_status ON subscription (status, frequency, id);
                CREATE INDEX subscription_by_account ON subscription (account);
                -- Every message is a row before the first byte goes to the mail server: one per subscription, kind and
                -- period, so a rerun can never make a second digest for the same week.
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY,
                    subscription INTEGER NOT NULL REFERENCES subscription(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'digest')),
                    period TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    message_id TEXT NOT NULL UNIQUE,
                    message BLOB NOT NULL,
                    paper_count INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL NOT NULL,
                    last_error TEXT,
                    created_at REAL NOT NULL,
                    sent_at REAL,
                    UNIQUE (subscription, kind, period)
                );
                CREATE INDEX outbox_queue ON outbox (status, next_attempt_at);
                -- A paper goes to a subscriber once, across all digests.
                CREATE TABLE digest_paper (
                    subscription INTEGER NOT NULL REFERENCES subscription(id) ON DELETE CASCADE,
                    paper INTEGER NOT NULL REFERENCES paper(seq) ON DELETE CASCADE,
                    outbox INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
                    PRIMARY KEY (subscription, paper)
                ) WITHOUT ROWID;
                CREATE INDEX digest_paper_by_outbox ON digest_paper (outbox);
                """)
        }
        migrator.registerMigration("0007 personal ranking signals") { db in
            try db.execute(sql: """
                -- "Not interested": an explicit negative, and never shown to that person again.
                CREATE TABLE dismissal (
                    account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    paper INTEGER NOT NULL REFERENCES paper(seq) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (account, paper)
                ) WITHOUT ROWID;
                -- Papers a person seeded their profile with (search picks, id lists, BibTeX/RIS imports): private
                -- positives that, unlike upvotes, count for nobody else.
                CREATE TABLE seed (
                    account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    paper INTEGER NOT NULL REFERENCES paper(seq) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (account, paper)
                ) WITHOUT ROWID;
                CREATE TABLE personal_filter (
                    account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('mute-author', 'mute-category', 'mute-word', 'follow-author', 'follow-category')),
                    value TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 200),
                    created_at REAL NOT NULL,
                    PRIMARY KEY (account, kind, value)
                ) WITHOUT ROWID;
                -- One row per person who changed a default: personal ranking off, a reset (upvotes and saves before
                -- reset_at no longer count), the SHA-256 of the private feed token.
                CREATE TABLE personal_setting (
                    account INTEGER PRIMARY KEY REFERENCES account(id) ON DELETE CASCADE,
                    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
                    reset_at REAL,
                    feed_token_hash BLOB UNIQUE
                );
                CREATE INDEX collection_by_owner ON collection (owner);
                -- Matching an imported library (BibTeX, RIS) by DOI, then by exact title.
                CREATE INDEX paper_by_doi ON paper (doi) WHERE doi IS NOT NULL;
                CREATE INDEX paper_by_lower_title ON paper (lower(title));
                """)
        }
        migrator.registerMigration("0008 comments, moderation, claims, follows and notifications") { db in
            try db.execute(sql: """
                -- Moderation: an admin role and suspension.
                ALTER TABLE account ADD COLUMN role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin'));
                ALTER TABLE account ADD COLUMN suspended_at REAL;

                -- Discussion: comments (Markdown as written) in threads. A deleted or hidden comment keeps its row, so its replies
                -- keep their place; its text is emptied. A comment whose author deleted their account stays, anonymous.
                CREATE TABLE comment (
                    id INTEGER PRIMARY KEY,
                    paper INTEGER NOT NULL REFERENCES paper(seq) ON DELETE CASCADE,
                    parent INTEGER REFERENCES comment(id) ON DELETE CASCADE,
                    account INTEGER REFERENCES account(id) ON DELETE SET NULL,
                    body TEXT NOT NULL CHECK (length(body) <= 10000),
                    client_key TEXT,                 -- the form's token: a resubmitted form finds its comment instead of a second one
                    created_at REAL NOT NULL,
                    edited_at REAL,
                    deleted_at REAL,
                    hidden_at REAL
                );
                CREATE INDEX comment_by_paper ON comment (paper, id);
                CREATE INDEX comment_by_parent ON comment (parent);
                CREATE INDEX comment_by_account ON comment (account, id);
                CREATE UNIQUE INDEX comment_once ON comment (account, client_key) WHERE client_key IS NOT NULL;
                -- One report per person and comment; resolved when an admin hides the comment or dismisses the reports.
                CREATE TABLE comment_report (
                    comment INTEGER NOT NULL REFERENCES comment(id) ON DELETE CASCADE,
                    account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    reason TEXT NOT NULL CHECK (length(reason) <= 500),
                    created_at REAL NOT NULL,
                    resolved_at REAL,
                    PRIMARY KEY (comment, account)
                ) WITHOUT ROWID;
                CREATE INDEX comment_report_open ON comment_report (resolved_at, comment);
                -- An account's claim to be one of a paper's authors; an admin decides. One approved claim per author of a paper.
                CREATE TABLE author_claim (
                    id INTEGER PRIMARY KEY,
                    account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    paper INTEGER NOT NULL REFERENCES paper(seq) ON DELETE CASCADE,
                    author_name TEXT NOT NULL,
                    author_key TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
                    created_at REAL NOT NULL,
                    decided_at REAL,
                    UNIQUE (account, paper)
                );
                CREATE UNIQUE INDEX author_claim_approved ON author_claim (paper, author_key) WHERE status = 'approved';
                CREATE INDEX author_claim_by_status ON author_claim (status, id);
                -- Every moderation step, in the transaction that made it. Subjects are ids, never names.
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY,
                    actor INTEGER REFERENCES account(id) ON DELETE SET NULL,
                    action TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                -- Upvotes of deleted accounts who chose to leave them: counted, naming nobody.
                CREATE TABLE anonymous_vote (
                    paper INTEGER PRIMARY KEY REFERENCES paper(seq) ON DELETE CASCADE,
                    votes INTEGER NOT NULL CHECK (votes > 0)
                );
                -- Papers whose discussion an account follows (commenting follows the paper).
                CREATE TABLE paper_follow (
                    account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    paper INTEGER NOT NULL REFERENCES paper(seq) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (account, paper)
                ) WITHOUT ROWID;
                CREATE INDEX paper_follow_by_paper ON paper_follow (paper);
                -- Comment mail, opt-in: one row per person who turned something on.
                CREATE TABLE notification_setting (
                    account INTEGER PRIMARY KEY REFERENCES account(id) ON DELETE CASCADE,
                    replies INTEGER NOT NULL,
                    mentions INTEGER NOT NULL,
                    paper_comments INTEGER NOT NULL
                );
                -- One notification per person and comment (never twice), mailed in batches.
                CREATE TABLE notification (
                    id INTEGER PRIMARY KEY,
                    account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    comment INTEGER NOT NULL REFERENCES comment(id) ON DELETE CASCADE,
                    reason TEXT NOT NULL CHECK (reason IN ('reply', 'mention', 'followed-paper', 'own-paper')),
                    created_at REAL NOT NULL,
                    sent_at REAL,
                    UNIQUE (account, comment)
                );
                CREATE INDEX notification_pending ON notification (sent_at, id);
                """)
        }
        migrator.registerMigration("0009 comment mail in the outbox") { db in
            // SQLite cannot change a column's NOT NULL or a CHECK in place: the table is rebuilt (its rows, ids and
            // the digest_paper rows that point at them kept; foreign keys are off during migrations).
            try db.execute(sql: """
                CREATE TABLE outbox_new (
                    id INTEGER PRIMARY KEY,
                    subscription INTEGER REFERENCES subscription(id) ON DELETE CASCADE,
                    account INTEGER REFERENCES account(id) ON DELETE CASCADE,   -- comment mail goes to an account
                    kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'digest', 'notification')),
                    period TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    message_id TEXT NOT NULL UNIQUE,
                    message BLOB NOT NULL,
                    paper_count INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL NOT NULL,
                    last_error TEXT,
                    created_at REAL NOT NULL,
                    sent_at REAL,
                    CHECK ((subscription IS NULL) <> (account IS NULL)),
                    UNIQUE (subscription, kind, period)
                );
                INSERT INTO outbox_new (id, subscription, kind, period, recipient, message_id, message, paper_count, status, attempts,
                                        next_attempt_at, last_error, created_at, sent_at)
                SELECT id, subscription, kind, period, recipient, message_id, message, paper_count, status, attempts,
                       next_attempt_at, last_error, created_at, sent_at FROM outbox;
                DROP TABLE outbox;
                ALTER TABLE outbox_new RENAME TO outbox;
                CREATE INDEX outbox_queue ON outbox (status, next_attempt_at);
                CREATE INDEX outbox_by_account ON outbox (account) WHERE account IS NOT NULL;
                -- One comment mail per account and batch (the batch is named by its first notification).
                CREATE UNIQUE INDEX outbox_notification_once ON outbox (account, period) WHERE kind = 'notification';
                """)
        }
        return migrator
    }
}

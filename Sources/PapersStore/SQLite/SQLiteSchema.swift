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
                CREATE VIRTUAL TABLE paper_fts USING fts5(
                    title, abstract, author_names,
                    content='paper', content_rowid='seq',
                    tokenize='porter unicode61 remove_diacritics 2'
                );
                CREATE TRIGGER paper_fts_insert AFTER INSERT ON paper BEGIN
                    INSERT INTO paper_fts(rowid, title, abstract, author_names)
                    VALUES (new.seq, new.title, new.abstract, new.author_names);
                END;
                CREATE TRIGGER paper_fts_delete AFTER DELETE ON paper BEGIN
                    INSERT INTO paper_fts(paper_fts, rowid, title, abstract, author_names)
                    VALUES ('delete', old.seq, old.title, old.abstract, old.author_names);
                END;
                CREATE TRIGGER paper_fts_update AFTER UPDATE OF title, abstract, author_names ON paper BEGIN
                    INSERT INTO paper_fts(paper_fts, rowid, title, abstract, author_names)
                    VALUES ('delete', old.seq, old.title, old.abstract, old.author_names);
                    INSERT INTO paper_fts(rowid, title, abstract, author_names)
                    VALUES (new.seq, new.title, new.abstract, new.author_names);
                END;
                """)
        }
        return migrator
    }
}

import Foundation

/// A value as it crosses between backends: SQLite's storage classes. Booleans travel as 0/1 and vectors as float32
/// little-endian bytes; a backend that stores them otherwise (PostgreSQL's `boolean` and `halfvec`) converts.
public enum TableCell: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

/// One table of an instance as `papers copy` moves it: its columns (with how each is stored) and its key, which
/// orders the pages read.
public struct TableSpec: Sendable {
    /// How a column is stored where the backends differ.
    public enum Kind: Sendable {
        case integer, real, text, blob
        /// 0/1 in SQLite, `boolean` in PostgreSQL.
        case boolean
        /// float32 bytes in SQLite, `halfvec` in PostgreSQL.
        case vector
    }

    /// The table's name (the same in both schemas).
    public let name: String
    /// Columns in the order cells are read and written.
    public let columns: [(name: String, kind: Kind)]
    /// The primary key's columns.
    public let key: [String]

    /// Where the key's columns are in a row's cells.
    public var keyPositions: [Int] { key.map { name in columns.firstIndex { $0.name == name }! } }

    /// `(k1, k2) > (?, ?)` for keyset paging, with `placeholder(i)` for the i-th (0-based) key value.
    public func keyAfter(_ placeholder: (Int) -> String) -> String {
        "(\(key.joined(separator: ", "))) > (\(key.indices.map(placeholder).joined(separator: ", ")))"
    }
    /// The column PostgreSQL generates (an identity), whose sequence must be moved past the copied rows.
    public let identity: String?

    init(_ name: String, _ columns: [(String, Kind)], key: [String], identity: String? = nil) {
        self.name = name
        self.columns = columns.map { (name: $0.0, kind: $0.1) }
        self.key = key
        self.identity = identity
    }

    /// Every table of an instance, parents before children. Migration bookkeeping is not copied (each backend keeps
    /// its own), nor are outbox claims (a worker's claim means nothing to another database).
    public static let all: [TableSpec] = [
        TableSpec("paper", [("seq", .integer), ("id", .text), ("version", .integer), ("title", .text), ("abstract", .text), ("authors", .text),
                            ("author_names", .text), ("categories", .text), ("published", .text), ("updated", .text), ("listed", .text),
                            ("day", .text), ("versions", .text), ("doi", .text), ("journal_ref", .text), ("comments", .text),
                            ("license", .text), ("links", .text), ("fingerprint", .blob)], key: ["seq"], identity: "seq"),
        TableSpec("paper_category", [("category", .text), ("paper", .integer)], key: ["category", "paper"]),
        TableSpec("keyword_segment", [("id", .integer), ("doc_count", .integer), ("docs", .blob), ("postings", .blob)], key: ["id"], identity: "id"),
        TableSpec("paper_embedding", [("paper", .integer), ("model", .text), ("fingerprint", .blob), ("vector", .vector), ("generation", .integer)],
                  key: ["paper"]),
        TableSpec("embedding_generation", [("model", .text), ("generation", .integer)], key: ["model"]),
        TableSpec("harvest_state", [("key", .text), ("state", .text), ("updated_at", .real)], key: ["key"]),
        TableSpec("lease", [("name", .text), ("holder", .text), ("expires_at", .real)], key: ["name"]),
        TableSpec("paper_feature", [("paper", .integer), ("source", .text), ("day", .text), ("upvotes", .integer)], key: ["paper", "source"]),
        TableSpec("account", [("id", .integer), ("name", .text), ("email", .text), ("password_hash", .text), ("created_at", .real),
                              ("role", .text), ("suspended_at", .real)],
                  key: ["id"], identity: "id"),
        TableSpec("session", [("token_hash", .blob), ("account", .integer), ("created_at", .real), ("expires_at", .real)], key: ["token_hash"]),
        TableSpec("api_token", [("id", .integer), ("token_hash", .blob), ("account", .integer), ("name", .text), ("created_at", .real),
                                ("last_used_at", .real)], key: ["id"], identity: "id"),
        TableSpec("vote", [("paper", .integer), ("account", .integer), ("created_at", .real)], key: ["paper", "account"]),
        TableSpec("submission", [("paper", .integer), ("account", .integer), ("day", .text), ("created_at", .real)], key: ["paper"]),
        TableSpec("collection", [("id", .integer), ("owner", .integer), ("name", .text), ("is_public", .boolean), ("created_at", .real)],
                  key: ["id"], identity: "id"),
        TableSpec("collection_item", [("collection", .integer), ("paper", .integer), ("added_at", .real)], key: ["collection", "paper"]),
        TableSpec("secret", [("name", .text), ("value", .blob)], key: ["name"]),
        TableSpec("subscription", [("id", .integer), ("email", .text), ("frequency", .text), ("preferences", .text), ("status", .text),
                                   ("account", .integer), ("created_at", .real), ("confirmed_at", .real), ("unsubscribed_at", .real),
                                   ("confirmation_sent_at", .real), ("bounces", .integer)], key: ["id"], identity: "id"),
        TableSpec("outbox", [("id", .integer), ("subscription", .integer), ("kind", .text), ("period", .text), ("recipient", .text),
                             ("message_id", .text), ("message", .blob), ("paper_count", .integer), ("status", .text), ("attempts", .integer),
                             ("next_attempt_at", .real), ("last_error", .text), ("created_at", .real), ("sent_at", .real), ("account", .integer)],
                  key: ["id"], identity: "id"),
        TableSpec("digest_paper", [("subscription", .integer), ("paper", .integer), ("outbox", .integer)], key: ["subscription", "paper"]),
        TableSpec("dismissal", [("account", .integer), ("paper", .integer), ("created_at", .real)], key: ["account", "paper"]),
        TableSpec("seed", [("account", .integer), ("paper", .integer), ("created_at", .real)], key: ["account", "paper"]),
        TableSpec("personal_filter", [("account", .integer), ("kind", .text), ("value", .text), ("created_at", .real)],
                  key: ["account", "kind", "value"]),
        TableSpec("personal_setting", [("account", .integer), ("enabled", .boolean), ("reset_at", .real), ("feed_token_hash", .blob)],
                  key: ["account"]),
        TableSpec("comment", [("id", .integer), ("paper", .integer), ("parent", .integer), ("account", .integer), ("body", .text),
                              ("client_key", .text), ("created_at", .real), ("edited_at", .real), ("deleted_at", .real), ("hidden_at", .real)],
                  key: ["id"], identity: "id"),
        TableSpec("comment_report", [("comment", .integer), ("account", .integer), ("reason", .text), ("created_at", .real), ("resolved_at", .real)],
                  key: ["comment", "account"]),
        TableSpec("author_claim", [("id", .integer), ("account", .integer), ("paper", .integer), ("author_name", .text), ("author_key", .text),
                                   ("status", .text), ("created_at", .real), ("decided_at", .real)], key: ["id"], identity: "id"),
        TableSpec("audit_log", [("id", .integer), ("actor", .integer), ("action", .text), ("subject", .text), ("detail", .text), ("created_at", .real)],
                  key: ["id"], identity: "id"),
        TableSpec("anonymous_vote", [("paper", .integer), ("votes", .integer)], key: ["paper"]),
        TableSpec("paper_follow", [("account", .integer), ("paper", .integer), ("created_at", .real)], key: ["account", "paper"]),
        TableSpec("notification_setting", [("account", .integer), ("replies", .boolean), ("mentions", .boolean), ("paper_comments", .boolean)],
                  key: ["account"]),
        TableSpec("notification", [("id", .integer), ("account", .integer), ("comment", .integer), ("reason", .text), ("created_at", .real),
                                   ("sent_at", .real)], key: ["id"], identity: "id"),
    ]
}

/// A store whose tables can be read and written whole, for `papers copy`.
public protocol TableTransfer: Sendable {
    /// Rows of `table` in key order, at most `limit` whose key comes after `after` (the key cells of the last row
    /// read; nil from the start), cells in the spec's column order. Keyset paging: each page costs the same however
    /// far into the table it is.
    func rows(of table: TableSpec, after: [TableCell]?, limit: Int) async throws -> [[TableCell]]
    /// How many rows `table` holds.
    func rowCount(of table: TableSpec) async throws -> Int
    /// Writes rows (ids as given) in one transaction.
    func insert(_ rows: [[TableCell]], into table: TableSpec) async throws
    /// Called once the target is known empty, before any row (PostgreSQL drops its vector index, rebuilt at the end:
    /// building it once is far faster than inserting into it row by row).
    func startCopy() async throws
    /// Called once every table is written (PostgreSQL moves its identity sequences past the copied ids and rebuilds
    /// its vector index).
    func finishCopy() async throws
}

/// What `papers copy` did.
public struct CopyReport: Sendable {
    /// Rows per table, in copy order.
    public var rows: [(table: String, count: Int)] = []
    /// Rows in total.
    public var total: Int { rows.reduce(0) { $0 + $1.count } }
}

/// Why `papers copy` refused.
public struct CopyError: Error, CustomStringConvertible {
    /// What is wrong, naming the table.
    public let message: String
    public var description: String { message }
    /// An error saying `message`.
    public init(message: String) { self.message = message }
}

/// Moves a whole instance between stores, table by table in key order, ids kept.
public enum InstanceCopy {
    /// Copies every table of `source` into `target`, which must be empty (it is checked first, and nothing is
    /// written when it is not), `batchSize` rows per transaction. `progress` gets (table, rows copied of it, its row
    /// count) after each batch.
    public static func copy(from source: any TableTransfer, to target: any TableTransfer, batchSize: Int = 2_000,
                            progress: @Sendable (String, Int, Int) -> Void = { _, _, _ in }) async throws -> CopyReport {
        for table in TableSpec.all {
            let count = try await target.rowCount(of: table)
            if count > 0 {
                throw CopyError(message: "the target is not empty: table \(table.name) has \(count) rows; copy into a new, empty database")
            }
        }
        try await target.startCopy()
        var report = CopyReport()
        for table in TableSpec.all {
            let total = try await source.rowCount(of: table)
            var copied = 0
            var last: [TableCell]?
            while true {
                let rows = try await source.rows(of: table, after: last, limit: batchSize)
                guard let tail = rows.last else { break }
                try await target.insert(rows, into: table)
                copied += rows.count
                last = table.keyPositions.map { tail[$0] }
                progress(table.name, copied, total)
            }
            report.rows.append((table.name, copied))
        }
        try await target.finishCopy()
        return report
    }
}

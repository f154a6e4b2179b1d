import Foundation
import Logging
import PapersCore
import PapersStore
import PostgresNIO

extension PostgresPaperStore: TableTransfer {
    /// A column as read for copying: booleans as 0/1, vectors as float4 arrays (made float32 bytes below).
    static func selectExpression(_ column: (name: String, kind: TableSpec.Kind)) -> String {
        switch column.kind {
        case .boolean: return "\(column.name)::int4::int8 AS \(column.name)"
        case .vector: return "\(column.name)::real[] AS \(column.name)"
        default: return column.name
        }
    }

    public func rows(of table: TableSpec, after: [TableCell]?, limit: Int) async throws -> [[TableCell]] {
        let columns = table.columns.map(Self.selectExpression).joined(separator: ", ")
        var binds = PostgresBindings()
        let positions = table.keyPositions
        for (i, cell) in (after ?? []).enumerated() { try Self.bind(cell, kind: table.columns[positions[i]].kind, into: &binds) }
        let condition = after == nil ? "" : "WHERE " + table.keyAfter { "$\($0 + 1)" }
        return try await database.rows(PostgresQuery(unsafeSQL: """
            SELECT \(columns) FROM \(table.name) \(condition) ORDER BY \(table.key.joined(separator: ", ")) LIMIT \(limit)
            """, binds: binds)).map { row in
            try table.columns.map { column -> TableCell in
                switch column.kind {
                case .integer, .boolean: return try row.get(column.name, Int64?.self).map(TableCell.integer) ?? .null
                case .real: return try row.get(column.name, Double?.self).map(TableCell.real) ?? .null
                case .text: return try row.get(column.name, String?.self).map(TableCell.text) ?? .null
                case .blob: return try row.get(column.name, Data?.self).map(TableCell.blob) ?? .null
                case .vector:
                    guard let vector = try row.get(column.name, [Float]?.self) else { return .null }
                    return .blob(vector.withUnsafeBytes { Data($0) })
                }
            }
        }
    }

    public func rowCount(of table: TableSpec) async throws -> Int {
        try await database.row(PostgresQuery(unsafeSQL: "SELECT count(*) AS n FROM \(table.name)"))?.get("n", Int.self) ?? 0
    }

    public func insert(_ rows: [[TableCell]], into table: TableSpec) async throws {
        // Many rows per statement (PostgreSQL takes up to 65,535 parameters in one).
        let perStatement = max(1, 30_000 / table.columns.count)
        let logger = self.logger
        try await database.transaction { connection in
            for start in stride(from: 0, to: rows.count, by: perStatement) {
                let chunk = rows[start..<min(start + perStatement, rows.count)]
                var binds = PostgresBindings()
                var tuples: [String] = []
                for row in chunk {
                    var placeholders: [String] = []
                    for (cell, column) in zip(row, table.columns) {
                        try Self.bind(cell, kind: column.kind, into: &binds)
                        placeholders.append(column.kind == .vector ? "$\(binds.count)::halfvec" : "$\(binds.count)")
                    }
                    tuples.append("(" + placeholders.joined(separator: ", ") + ")")
                }
                let sql = "INSERT INTO \(table.name) (\(table.columns.map(\.name).joined(separator: ", ")))"
                    + (table.identity != nil ? " OVERRIDING SYSTEM VALUE" : "") + " VALUES " + tuples.joined(separator: ", ")
                try await connection.execute(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            }
        }
    }

    /// One cell as the column's PostgreSQL type: 0/1 as boolean, float32 bytes as a vector's text.
    static func bind(_ cell: TableCell, kind: TableSpec.Kind, into binds: inout PostgresBindings) throws {
        switch (cell, kind) {
        case (.null, .integer): binds.append(Int64?.none)
        case (.null, .real): binds.append(Double?.none)
        case (.null, .boolean): binds.append(Bool?.none)
        case (.null, .blob): try binds.append(Data?.none)
        case (.null, _): binds.append(String?.none)
        case (.integer(let v), .boolean): binds.append(v != 0)
        case (.integer(let v), _): binds.append(v)
        case (.real(let v), _): binds.append(v)
        case (.text(let v), _): binds.append(v)
        case (.blob(let v), .vector):
            let floats = v.withUnsafeBytes { raw in (0..<(v.count / 4)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
            binds.append(vectorText(floats))
        case (.blob(let v), _): try binds.append(v)
        }
    }

    /// The vector index, as the schema defines it (dropped for a copy, then built once).
    static let vectorIndex = "CREATE INDEX IF NOT EXISTS paper_embedding_hnsw ON paper_embedding USING hnsw (vector halfvec_cosine_ops)"

    public func startCopy() async throws {
        try await database.execute("DROP INDEX IF EXISTS paper_embedding_hnsw")
    }

    /// Moves each identity sequence past the copied ids, so the next row gets a fresh one, and builds the vector index.
    public func finishCopy() async throws {
        try await database.execute(PostgresQuery(unsafeSQL: Self.vectorIndex))
        for table in TableSpec.all {
            guard let column = table.identity else { continue }
            try await database.execute(PostgresQuery(unsafeSQL: """
                SELECT setval(pg_get_serial_sequence('\(table.name)', '\(column)'), coalesce(max(\(column)), 0) + 1, false) FROM \(table.name)
                """))
        }
    }
}

import Foundation
import GRDB
import PapersCore
import PapersStore

extension SQLitePaperStore: TableTransfer {
    public func rows(of table: TableSpec, after: [TableCell]?, limit: Int) async throws -> [[TableCell]] {
        let columns = table.columns.map(\.name).joined(separator: ", ")
        let condition = after == nil ? "" : "WHERE " + table.keyAfter { _ in "?" }
        let arguments = StatementArguments((after ?? []).map(Self.databaseValue) + [limit.databaseValue])
        return try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(columns) FROM \(table.name) \(condition) ORDER BY \(table.key.joined(separator: ", ")) LIMIT ?",
                             arguments: arguments).map { row in
                row.databaseValues.map { value in
                    switch value.storage {
                    case .null: return .null
                    case .int64(let v): return .integer(v)
                    case .double(let v): return .real(v)
                    case .string(let v): return .text(v)
                    case .blob(let v): return .blob(v)
                    }
                }
            }
        }
    }

    public func rowCount(of table: TableSpec) async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.name)") ?? 0 }
    }

    public func insert(_ rows: [[TableCell]], into table: TableSpec) async throws {
        let sql = "INSERT INTO \(table.name) (\(table.columns.map(\.name).joined(separator: ", "))) VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", ")))"
        try await write { db in
            let statement = try db.cachedStatement(sql: sql)
            for row in rows {
                try statement.execute(arguments: StatementArguments(row.map(Self.databaseValue)))
            }
        }
    }

    static func databaseValue(_ cell: TableCell) -> DatabaseValue {
        switch cell {
        case .null: return .null
        case .integer(let v): return v.databaseValue
        case .real(let v): return v.databaseValue
        case .text(let v): return v.databaseValue
        case .blob(let v): return v.databaseValue
        }
    }

    public func startCopy() async throws {}

    public func finishCopy() async throws {}
}

import PapersStore

/// An instance's tables as `papers copy` reads them, for tests that compare instances or look for traces.
public enum TableDump {
    /// Every row of every table (``TableSpec/all``), by table name, in key order.
    public static func rows(_ store: any TableTransfer) async throws -> [String: [[TableCell]]] {
        var tables: [String: [[TableCell]]] = [:]
        for table in TableSpec.all { tables[table.name] = try await store.rows(of: table, after: nil, limit: 1_000_000) }
        return tables
    }

    /// Every cell of every table with where it is (`table.column`).
    public static func cells(_ store: any TableTransfer) async throws -> [(place: String, column: String, cell: TableCell)] {
        let tables = try await rows(store)
        return TableSpec.all.flatMap { table in
            (tables[table.name] ?? []).flatMap { row in
                row.enumerated().map { i, cell in ("\(table.name).\(table.columns[i].name)", table.columns[i].name, cell) }
            }
        }
    }
}

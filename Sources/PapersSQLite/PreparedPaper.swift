import Foundation
import GRDB
import PapersCore
import PapersStore

extension PreparedPaper {
    /// ``columns`` as SQLite values.
    var values: [DatabaseValue] {
        columns.map { column in
            switch column {
            case .text(let text): return text?.databaseValue ?? .null
            case .integer(let value): return value?.databaseValue ?? .null
            case .blob(let data): return data.databaseValue
            }
        }
    }
}

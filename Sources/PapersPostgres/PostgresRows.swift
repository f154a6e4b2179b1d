import Foundation
import Logging
import PapersCore
import PapersStore
import PostgresNIO

// Typed row ids bind as the bigints they wrap and decode back.
extension RowIdentifier where Self: PostgresNonThrowingEncodable {
    public static var psqlType: PostgresDataType { .int8 }
    public static var psqlFormat: PostgresFormat { .binary }
    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        rawValue.encode(into: &byteBuffer, context: context)
    }
}

extension RowIdentifier where Self: PostgresDecodable {
    public init<JSONDecoder: PostgresJSONDecoder>(from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
                                                  context: PostgresDecodingContext<JSONDecoder>) throws {
        self.init(rawValue: try Int64(from: &buffer, type: type, format: format, context: context))
    }
}

extension AccountID: PostgresNonThrowingEncodable, PostgresDecodable {}
extension CollectionID: PostgresNonThrowingEncodable, PostgresDecodable {}
extension SubscriptionID: PostgresNonThrowingEncodable, PostgresDecodable {}
extension APITokenID: PostgresNonThrowingEncodable, PostgresDecodable {}
extension OutboxMailID: PostgresNonThrowingEncodable, PostgresDecodable {}
extension CommentID: PostgresNonThrowingEncodable, PostgresDecodable {}
extension ClaimID: PostgresNonThrowingEncodable, PostgresDecodable {}

extension PostgresRandomAccessRow {
    /// The column `name` as `T` (an optional type for nullable columns).
    func get<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T {
        try self[name].decode(T.self)
    }
}

/// A PostgreSQL error as a store error: the server's message, detail and SQLSTATE (PSQLError's own description hides
/// them); never the statement's bound values.
func storeError(_ error: any Error) -> any Error {
    guard let error = error as? PSQLError else { return error }
    guard let info = error.serverInfo else { return StoreError.database("\(error.code)") }
    let parts = [info[.message], info[.detail].map { "(\($0))" }, info[.sqlState].map { "[SQLSTATE \($0)]" }].compactMap { $0 }
    return StoreError.database(parts.joined(separator: " "))
}

extension PostgresDatabase {
    /// Every row of `query`, on a pooled connection.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        do {
            return try await client.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
        } catch {
            throw storeError(error)
        }
    }

    /// The first row of `query`, or nil.
    func row(_ query: PostgresQuery) async throws -> PostgresRandomAccessRow? {
        try await rows(query).first
    }

    /// Runs `query` for its effect.
    func execute(_ query: PostgresQuery) async throws {
        do {
            try await client.query(query, logger: logger)
        } catch {
            throw storeError(error)
        }
    }

    /// Runs `body` in one transaction (committed when it returns, rolled back when it throws).
    /// An error the body throws comes out as itself (PostgresNIO wraps it with the rollback's outcome).
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError, error.rollbackError == nil, error.commitError == nil { throw storeError(closureError) }
            throw storeError(error.commitError ?? error.beginError ?? error.rollbackError ?? error)
        } catch {
            throw storeError(error)
        }
    }
}

extension PostgresConnection {
    /// Every row of `query`.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await self.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }

    /// Runs `query` for its effect.
    func execute(_ query: PostgresQuery, logger: Logger) async throws {
        try await self.query(query, logger: logger)
    }
}

/// A value bound to a named parameter (`:name`) of ``PostgresDatabase/named(_:_:)``.
enum SQLValue: Sendable {
    case text(String?)
    case integer(Int64?)
    case real(Double?)
    case bool(Bool?)
    case blob(Data?)
    case texts([String])
    case integers([Int64])

    func bind(into binds: inout PostgresBindings) throws {
        switch self {
        case .text(let v): binds.append(v)
        case .integer(let v): binds.append(v)
        case .real(let v): binds.append(v)
        case .bool(let v): binds.append(v)
        case .blob(let v): try binds.append(v)
        case .texts(let v): binds.append(v)
        case .integers(let v): binds.append(v)
        }
    }
}

extension PostgresDatabase {
    /// `sql` with `:name` parameters (as SQLite statements write them) turned into `$n` binds of `values`; a name
    /// used twice binds once; `::type` casts are left alone. A name without a value is a programming error.
    static func named(_ sql: String, _ values: [String: SQLValue]) throws -> PostgresQuery {
        var out = ""
        var numbers: [String: Int] = [:]
        var binds = PostgresBindings()
        let chars = Array(sql)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == ":", i + 1 < chars.count, chars[i + 1].isLetter, i == 0 || chars[i - 1] != ":" {
                var j = i + 1
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { j += 1 }
                let name = String(chars[(i + 1)..<j])
                guard let value = values[name] else { preconditionFailure("no value for :\(name)") }
                if numbers[name] == nil {
                    numbers[name] = binds.count + 1
                    try value.bind(into: &binds)
                }
                out += "$\(numbers[name]!)"
                i = j
            } else {
                out.append(c)
                i += 1
            }
        }
        return PostgresQuery(unsafeSQL: out, binds: binds)
    }
}

/// A row id with a type: an account's id cannot be passed where a collection's is expected.
///
/// Integer literals are accepted (`AccountID = 1` in fixtures); a raw `Int64` value must be wrapped on purpose
/// (`AccountID(rawValue:)`), which the store does at its edge.
public protocol RowIdentifier: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
                               ExpressibleByIntegerLiteral where RawValue == Int64 {
    init(rawValue: Int64)
}

extension RowIdentifier {
    /// The id as it appears in paths and logs.
    public var description: String { String(rawValue) }
    /// Creates the id `value`.
    public init(integerLiteral value: Int64) { self.init(rawValue: value) }
    /// Ordered as the row ids are (creation order).
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    /// The id in `text` (a path segment, a form field), or nil when it is not a whole number.
    public init?(_ text: some StringProtocol) {
        guard let value = Int64(text) else { return nil }
        self.init(rawValue: value)
    }
}

/// A registered person's id.
public struct AccountID: RowIdentifier {
    /// The store's row id.
    public let rawValue: Int64
    /// Wraps a row id.
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

/// A paper collection's id, as in `/collections/{id}`.
public struct CollectionID: RowIdentifier {
    /// The store's row id.
    public let rawValue: Int64
    /// Wraps a row id.
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

/// An email digest subscription's id, as signed into its confirm and unsubscribe tokens.
public struct SubscriptionID: RowIdentifier {
    /// The store's row id.
    public let rawValue: Int64
    /// Wraps a row id.
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

/// An API token's id (the token itself is secret; the id names it on the tokens page).
public struct APITokenID: RowIdentifier {
    /// The store's row id.
    public let rawValue: Int64
    /// Wraps a row id.
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

/// A queued mail's id in the outbox.
public struct OutboxMailID: RowIdentifier {
    /// The store's row id.
    public let rawValue: Int64
    /// Wraps a row id.
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

/// A comment's id, as in `/papers/{id}#comment-{id}`.
public struct CommentID: RowIdentifier {
    /// The store's row id.
    public let rawValue: Int64
    /// Wraps a row id.
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

/// An authorship claim's id (the admin's queue addresses claims by it).
public struct ClaimID: RowIdentifier {
    /// The store's row id.
    public let rawValue: Int64
    /// Wraps a row id.
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

import Foundation
import PapersCore

/// The JSON kept in `subscription.preferences` (the frequency has its own column), the same in every backend.
package struct StoredPreferences: Codable {
    struct Topic: Codable {
        var kind: String
        var value: String
    }
    var trending: Bool
    var topics: [Topic]
    var include: [String]
    var exclude: [String]
    var maxPapers: Int
    /// Absent in rows written before personal ranking existed.
    var forYou: Bool?

    /// `preferences` as the column's JSON.
    package static func encode(_ preferences: DigestPreferences) throws -> String {
        let stored = StoredPreferences(trending: preferences.trending,
                                       topics: preferences.topics.map { .init(kind: $0.kind, value: $0.value) },
                                       include: preferences.include, exclude: preferences.exclude, maxPapers: preferences.maxPapers,
                                       forYou: preferences.forYou ? true : nil)
        return String(decoding: try JSONEncoder().encode(stored), as: UTF8.self)
    }

    /// A subscription from its row's columns.
    package static func subscription(id: SubscriptionID, email: String, frequency: String, preferencesJSON: String, status: String,
                                     account: AccountID?, createdAt: Double, confirmedAt: Double?, bounces: Int) throws -> Subscription {
        let stored = try JSONDecoder().decode(StoredPreferences.self, from: Data(preferencesJSON.utf8))
        let preferences = try DigestPreferences(frequency: DigestFrequency(rawValue: frequency) ?? .daily, trending: stored.trending,
                                                topics: stored.topics.compactMap { SubscriptionTopic(kind: $0.kind, value: $0.value) },
                                                include: stored.include, exclude: stored.exclude, maxPapers: stored.maxPapers,
                                                forYou: stored.forYou ?? false)
        return Subscription(id: id, email: try EmailAddress(validating: email), preferences: preferences,
                            status: SubscriptionStatus(rawValue: status) ?? .paused, accountID: account,
                            createdAt: createdAt, confirmedAt: confirmedAt, bounces: bounces)
    }
}

import ArgumentParser
import Foundation
import PapersCore
import PapersDatabase
import PapersStore

/// `papers admin …`: the moderation role and account suspension from the command line (for the first admin of an
/// instance that already had accounts, or for a locked-out one). Each step lands in the audit log as the command line.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Grant or revoke the admin role, suspend or restore accounts, show the audit log.",
        discussion: """
            The first account created on a new instance is its admin. Admins see /admin: reported comments (hide, \
            dismiss), suspensions, authorship claims and the audit log. See docs/moderation.md.
            """,
        subcommands: [Grant.self, Revoke.self, Suspend.self, Restore.self, Log.self])

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make the account NAME an admin.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The account's user name.") var name: String

        func run() async throws {
            print("\(try await AdminCommand.setAdmin(name, true, global: global)) is now an admin")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make the admin NAME an ordinary member again.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The account's user name.") var name: String

        func run() async throws {
            print("\(try await AdminCommand.setAdmin(name, false, global: global)) is no longer an admin")
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend the account NAME: its sessions and API tokens end.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The account's user name.") var name: String
        @Option(help: "Why (kept in the audit log).") var reason = ""

        func run() async throws {
            try await AdminCommand.setSuspended(name, true, reason: reason, global: global)
            print("\(name) is suspended")
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift the suspension of the account NAME.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The account's user name.") var name: String
        @Option(help: "Why (kept in the audit log).") var reason = ""

        func run() async throws {
            try await AdminCommand.setSuspended(name, false, reason: reason, global: global)
            print("\(name) is no longer suspended")
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the newest lines of the moderation audit log.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "How many lines.") var limit = 50

        func run() async throws {
            let store = try await StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL)
            let iso = ISO8601DateFormatter()
            for entry in try await store.auditLog(limit: limit) {
                print([iso.string(from: Date(timeIntervalSince1970: entry.createdAt)), entry.actorName ?? "command line", entry.action, entry.subject,
                       entry.detail].joined(separator: "\t"))
            }
        }
    }

    /// Grants or revokes the role; the account's name as stored.
    static func setAdmin(_ name: String, _ admin: Bool, global: GlobalOptions) async throws -> String {
        let store = try await StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL)
        guard let account = try await store.setAdmin(named: name, admin: admin, actor: nil, now: Date().timeIntervalSince1970) else {
            throw ValidationError("NAME: there is no account called \"\(name)\"")
        }
        return account.name
    }

    static func setSuspended(_ name: String, _ suspended: Bool, reason: String, global: GlobalOptions) async throws {
        let store = try await StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL)
        guard let account = try await store.account(named: name),
              try await store.setSuspended(account.id, suspended: suspended, actor: nil, reason: reason, now: Date().timeIntervalSince1970) else {
            throw ValidationError("NAME: there is no account called \"\(name)\"")
        }
    }
}

import Foundation
import PapersCore
import PapersStore
import PapersTestSupport
import Testing

// Swift Testing has a `Comment` of its own.
typealias Comment = PapersCore.Comment

extension ContractData {
    static func thread(_ comments: [Comment]) -> String {
        CommentThread.ordered(comments).map { item in
            let c = item.comment
            let state = c.deletedAt != nil ? "deleted" : c.hiddenAt != nil ? "hidden" : c.body
            return "\(String(repeating: ">", count: item.depth))\(c.authorName ?? "anonymous")\(c.paperAuthorName.map { "[\($0)]" } ?? ""):\(state)\(c.editedAt != nil ? "(edited)" : "")"
        }.joined(separator: " | ")
    }

    static func comments(on id: String, _ store: any PaperStore) async throws -> Int {
        try await store.rankedPapers([PaperID(id)!], viewer: nil).first?.comments ?? -1
    }
}

@Suite("Store contract: discussion, moderation, claims, notifications and account control")
struct DiscussionContractTests {
    let paper = PaperID("2511.10002")!

    @Test("comments: threads, replies, edits and deletes by their authors only, counts, resubmitted forms")
    func comments() async throws {
        try await sameOnEveryBackend { store, t in
            _ = try await store.upsert(ContractData.papers, defaultDay: ContractData.day)
            let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "h", now: ContractData.now)
            let bob = try await store.createAccount(name: "bob", email: "bob@example.org", passwordHash: "h", now: ContractData.now)
            let first = try await store.addComment(NewComment(paper: paper, parent: nil, author: ada.id, body: "First **point**", clientKey: "k1"),
                                                   now: ContractData.now)
            t.note("created", first.created)
            let again = try await store.addComment(NewComment(paper: paper, parent: nil, author: ada.id, body: "First **point**", clientKey: "k1"),
                                                   now: ContractData.now + 1)
            t.note("resubmitted", "\(again.created) same=\(again.comment.id == first.comment.id)")
            let reply = try await store.addComment(NewComment(paper: paper, parent: first.comment.id, author: bob.id, body: "A reply"), now: ContractData.now + 2)
            _ = try await store.addComment(NewComment(paper: paper, parent: reply.comment.id, author: ada.id, body: "Reply to reply"), now: ContractData.now + 3)
            _ = try await store.addComment(NewComment(paper: paper, parent: nil, author: bob.id, body: "Second thread"), now: ContractData.now + 4)
            _ = try await store.addComment(NewComment(paper: paper, parent: first.comment.id, author: bob.id, body: "Later reply"), now: ContractData.now + 5)
            t.note("thread", ContractData.thread(try await store.comments(on: paper)))
            t.note("count", try await ContractData.comments(on: paper.rawValue, store))
            for (label, parent, target) in [("unknown parent", CommentID(rawValue: 999), paper), ("parent on another paper", first.comment.id, PaperID("2511.10001")!)] {
                do {
                    _ = try await store.addComment(NewComment(paper: target, parent: parent, author: bob.id, body: "x"), now: ContractData.now)
                    t.note(label, "accepted")
                } catch { t.note(label, "\(error)") }
            }
            do {
                _ = try await store.addComment(NewComment(paper: PaperID("2511.99999")!, parent: nil, author: bob.id, body: "x"), now: ContractData.now)
            } catch { t.note("unknown paper", "\(error)") }
            t.note("edit someone else's", try await store.editComment(first.comment.id, author: bob.id, body: "hacked", now: ContractData.now) == nil)
            t.note("delete someone else's", try await store.deleteComment(first.comment.id, author: bob.id, now: ContractData.now))
            t.note("edit own", try await store.editComment(first.comment.id, author: ada.id, body: "First point, edited", now: ContractData.now + 10)?.body ?? "nil")
            t.note("delete own", try await store.deleteComment(first.comment.id, author: ada.id, now: ContractData.now + 11))
            t.note("delete again", try await store.deleteComment(first.comment.id, author: ada.id, now: ContractData.now + 12))
            t.note("edit deleted", try await store.editComment(first.comment.id, author: ada.id, body: "back", now: ContractData.now) == nil)
            t.note("thread after delete", ContractData.thread(try await store.comments(on: paper)))
            t.note("deleted text kept", try await store.comment(first.comment.id)?.body ?? "nil")
            t.note("count after delete", try await ContractData.comments(on: paper.rawValue, store))
            t.note("by bob", try await store.comments(by: bob.id, limit: 10).map(\.body))
            t.note("follows by commenting", try await store.followsPaper(account: bob.id, paper: paper))
        }
    }

    @Test("moderation: first account is admin, reports once per person, hiding resolves and is audited, suspension ends sessions")
    func moderation() async throws {
        try await sameOnEveryBackend { store, t in
            _ = try await store.upsert(ContractData.papers, defaultDay: ContractData.day)
            let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "h", now: ContractData.now)
            let bob = try await store.createAccount(name: "bob", email: "bob@example.org", passwordHash: "h", now: ContractData.now)
            let cy = try await store.createAccount(name: "cy", email: "cy@example.org", passwordHash: "h", now: ContractData.now)
            t.note("roles", [ada, bob, cy].map { "\($0.name)=\($0.isAdmin)" })
            let spam = try await store.addComment(NewComment(paper: paper, parent: nil, author: bob.id, body: "buy pills"), now: ContractData.now)
            t.note("report", try await store.reportComment(spam.comment.id, reporter: ada.id, reason: "spam", now: ContractData.now + 1))
            t.note("report twice", try await store.reportComment(spam.comment.id, reporter: ada.id, reason: "spam!", now: ContractData.now + 2))
            t.note("second reporter", try await store.reportComment(spam.comment.id, reporter: cy.id, reason: "ads", now: ContractData.now + 3))
            do { _ = try await store.reportComment(CommentID(rawValue: 999), reporter: ada.id, reason: "x", now: ContractData.now) } catch { t.note("report unknown", "\(error)") }
            t.note("queue", try await store.openReports(limit: 10).map { "\($0.comment.body) n=\($0.reportCount) \($0.reasons)" })
            t.note("hide", try await store.setCommentHidden(spam.comment.id, hidden: true, actor: ada.id, reason: "spam", now: ContractData.now + 4))
            t.note("queue after hide", try await store.openReports(limit: 10).count)
            t.note("count after hide", try await ContractData.comments(on: paper.rawValue, store))
            t.note("thread", ContractData.thread(try await store.comments(on: paper)))
            t.note("author cannot edit hidden", try await store.editComment(spam.comment.id, author: bob.id, body: "innocent", now: ContractData.now) == nil)
            t.note("hide unknown", try await store.setCommentHidden(CommentID(rawValue: 999), hidden: true, actor: ada.id, reason: "", now: ContractData.now))
            t.note("grant", try await store.setAdmin(named: "CY", admin: true, actor: nil, now: ContractData.now + 5)?.isAdmin ?? false)
            t.note("grant unknown", try await store.setAdmin(named: "nobody", admin: true, actor: nil, now: ContractData.now) == nil)
            try await store.createSession(tokenHash: [5, 5], account: bob.id, now: ContractData.now, expiresAt: ContractData.now + 1_000)
            try await store.createAPIToken(tokenHash: [6, 6], account: bob.id, name: "script", now: ContractData.now)
            t.note("suspend", try await store.setSuspended(bob.id, suspended: true, actor: ada.id, reason: "spam", now: ContractData.now + 6))
            t.note("session after suspension", try await store.sessionAccount(tokenHash: [5, 5], now: ContractData.now + 7)?.name ?? "nil")
            t.note("token after suspension", try await store.apiTokenAccount(tokenHash: [6, 6], now: ContractData.now + 7)?.name ?? "nil")
            t.note("suspended flag", try await store.account(bob.id)?.isSuspended ?? false)
            do {
                _ = try await store.addComment(NewComment(paper: paper, parent: nil, author: bob.id, body: "again"), now: ContractData.now + 8)
                t.note("suspended comments", "accepted")
            } catch { t.note("suspended comments", "\(error)") }
            t.note("restore", try await store.setSuspended(bob.id, suspended: false, actor: ada.id, reason: "appeal", now: ContractData.now + 9))
            let second = try await store.addComment(NewComment(paper: paper, parent: nil, author: bob.id, body: "sorry"), now: ContractData.now + 10)
            _ = try await store.reportComment(second.comment.id, reporter: cy.id, reason: "meh", now: ContractData.now + 11)
            t.note("dismiss", try await store.dismissReports(second.comment.id, actor: cy.id, now: ContractData.now + 12))
            t.note("audit", try await store.auditLog(limit: 10).map { "\($0.actorName ?? "cli") \($0.action) \($0.subject) \($0.detail)" })
        }
    }

    @Test("claims: only names on the paper, one per account and paper, one approved per author, decisions audited and shown on comments")
    func claims() async throws {
        try await sameOnEveryBackend { store, t in
            _ = try await store.upsert(ContractData.papers, defaultDay: ContractData.day)
            let admin = try await store.createAccount(name: "admin", email: "admin@example.org", passwordHash: "h", now: ContractData.now)
            let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "h", now: ContractData.now)
            let mallory = try await store.createAccount(name: "mallory", email: "m@example.org", passwordHash: "h", now: ContractData.now)
            do { _ = try await store.claimAuthorship(account: ada.id, paper: paper, authorName: "Alan Turing", now: ContractData.now) } catch { t.note("not an author", "\(error)") }
            do { _ = try await store.claimAuthorship(account: ada.id, paper: paper, authorName: "Lovelace", now: ContractData.now) } catch { t.note("part of a name", "\(error)") }
            let claim = try await store.claimAuthorship(account: ada.id, paper: paper, authorName: "ADA LOVELACE", now: ContractData.now)
            t.note("claim", "\(claim.accountName) \(claim.authorName) \(claim.status) \(claim.paperTitle)")
            do { _ = try await store.claimAuthorship(account: ada.id, paper: paper, authorName: "David Baker", now: ContractData.now) } catch { t.note("second claim on paper", "\(error)") }
            let rival = try await store.claimAuthorship(account: mallory.id, paper: paper, authorName: "Ada Lovelace", now: ContractData.now + 1)
            t.note("pending", try await store.claims(status: .pending, account: nil, limit: 10).map { "\($0.accountName):\($0.authorName)" })
            t.note("approve", try await store.decideClaim(claim.id, approve: true, actor: admin.id, now: ContractData.now + 2)?.status.rawValue ?? "nil")
            do { _ = try await store.decideClaim(rival.id, approve: true, actor: admin.id, now: ContractData.now + 3) } catch { t.note("approve rival", "\(error)") }
            t.note("refuse rival", try await store.decideClaim(rival.id, approve: false, actor: admin.id, now: ContractData.now + 4)?.status.rawValue ?? "nil")
            t.note("decide again", try await store.decideClaim(rival.id, approve: true, actor: admin.id, now: ContractData.now + 5) == nil)
            t.note("ada's claims", try await store.claims(status: nil, account: ada.id, limit: 10).map { "\($0.paperID) \($0.status)" })
            _ = try await store.addComment(NewComment(paper: paper, parent: nil, author: ada.id, body: "Author here"), now: ContractData.now + 6)
            _ = try await store.addComment(NewComment(paper: PaperID("2511.10001")!, parent: nil, author: ada.id, body: "Not mine"), now: ContractData.now + 6)
            t.note("marked", ContractData.thread(try await store.comments(on: paper)))
            t.note("not marked elsewhere", ContractData.thread(try await store.comments(on: PaperID("2511.10001")!)))
            t.note("audit", try await store.auditLog(limit: 10).map { "\($0.actorName ?? "cli") \($0.action)" })
        }
    }

    @Test("notifications: opt-in, one per person and comment with the strongest reason, never for one's own comment, marked once")
    func notifications() async throws {
        try await sameOnEveryBackend { store, t in
            _ = try await store.upsert(ContractData.papers, defaultDay: ContractData.day)
            let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "h", now: ContractData.now)
            let bob = try await store.createAccount(name: "bob", email: "bob@example.org", passwordHash: "h", now: ContractData.now)
            let cy = try await store.createAccount(name: "cy", email: "cy@example.org", passwordHash: "h", now: ContractData.now)
            let quiet = try await store.createAccount(name: "quiet", email: "q@example.org", passwordHash: "h", now: ContractData.now)
            t.note("default settings", "\(try await store.notificationSettings(account: ada.id))")
            try await store.setNotificationSettings(account: ada.id, NotificationSettings(replies: true, mentions: true, paperComments: true))
            try await store.setNotificationSettings(account: cy.id, NotificationSettings(replies: false, mentions: true, paperComments: false))
            try await store.setPaperFollow(account: cy.id, paper: paper, on: true, now: ContractData.now)
            let root = try await store.addComment(NewComment(paper: paper, parent: nil, author: ada.id, body: "root"), now: ContractData.now)
            _ = try await store.addComment(NewComment(paper: paper, parent: nil, author: quiet.id, body: "hi @quiet"), now: ContractData.now)
            _ = try await store.addComment(NewComment(paper: paper, parent: root.comment.id, author: bob.id, body: "@ada @CY look", mentions: ["ada", "CY"]),
                                           now: ContractData.now + 1)
            _ = try await store.addComment(NewComment(paper: paper, parent: root.comment.id, author: ada.id, body: "self reply", mentions: ["ada"]),
                                           now: ContractData.now + 2)
            let pending = try await store.pendingNotifications(limit: 10)
            let adaBatch = pending.filter { $0.account == ada.id }.map(\.id)
            let mail = NotificationMail(account: ada.id, recipient: "ada@example.org", messageID: "m1@papers.test", message: Array("Subject: x\r\n\r\ny".utf8),
                                        notifications: adaBatch, createdAt: ContractData.now + 2)
            t.note("queue comment mail", try await store.enqueueNotificationMail(mail))
            t.note("queue it again", try await store.enqueueNotificationMail(mail))
            var overlapping = mail
            overlapping.messageID = "m2@papers.test"
            overlapping.notifications = adaBatch + pending.filter { $0.account == cy.id }.map(\.id)
            t.note("overlapping batch", try await store.enqueueNotificationMail(overlapping))
            t.note("outbox", try await store.queuedMail(now: ContractData.now + 3, ignoringBackoff: false, limit: 10)
                .map { "\($0.kind) \($0.period) \($0.recipient) subscription=\($0.subscription.map(String.init(describing:)) ?? "none")" })
            try await store.setNotificationSettings(account: ada.id, NotificationSettings())
            t.note("outbox after opting out", try await store.queuedMail(now: ContractData.now + 3, ignoringBackoff: true, limit: 10).count)
            try await store.setNotificationSettings(account: ada.id, NotificationSettings(replies: true, mentions: true, paperComments: true))
            t.note("pending after queueing", try await store.pendingNotifications(limit: 10).map { "\($0.accountName) \($0.reason.rawValue)" })
            t.note("pending", pending.map { "\($0.accountName)<\($0.email)> \($0.reason.rawValue) by \($0.comment.authorName ?? "-"): \($0.comment.body) on \($0.paperTitle)" })
            try await store.markNotificationsSent(pending.filter { $0.account == cy.id }.map(\.id), now: ContractData.now + 3)
            t.note("after marking cy's", try await store.pendingNotifications(limit: 10).count)
            try await store.markNotificationsSent(pending.map(\.id), now: ContractData.now + 4)
            t.note("after marking all", try await store.pendingNotifications(limit: 10).count)
            try await store.setPaperFollow(account: cy.id, paper: paper, on: false, now: ContractData.now)
            t.note("unfollowed", try await store.followsPaper(account: cy.id, paper: paper))
        }
    }

    @Test("author pages: whole names with case and accents folded, newest first, paged")
    func authorPages() async throws {
        try await sameOnEveryBackend { store, t in
            var papers = ContractData.papers
            papers.append(Fixtures.paper("2511.10009", title: "Analytical engines", authors: ["Ádá LOVELACE", "Charles Babbage"], listed: "2025-11-21"))
            papers.append(Fixtures.paper("2511.10010", title: "Not her", authors: ["Ada Lovelace-King"], listed: "2025-11-21"))
            _ = try await store.upsert(papers, defaultDay: ContractData.day)
            let (total, page) = try await store.authorPapers(named: "ada lovelace", viewer: nil, limit: 2, offset: 0)
            t.note("total", total)
            t.note("first page", page.map(\.paper.id.rawValue))
            t.note("second page", try await store.authorPapers(named: "Ada Lovelace", viewer: nil, limit: 2, offset: 2).papers.map(\.paper.id.rawValue))
            t.note("unknown", try await store.authorPapers(named: "Nobody Atall", viewer: nil, limit: 5, offset: 0).total)
            t.note("no words", try await store.authorPapers(named: "  ", viewer: nil, limit: 5, offset: 0).total)
        }
    }

    @Test("account control: a new password ends other sessions, a taken address is refused")
    func accountControl() async throws {
        try await sameOnEveryBackend { store, t in
            let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "old", now: ContractData.now)
            _ = try await store.createAccount(name: "bob", email: "bob@example.org", passwordHash: "h", now: ContractData.now)
            try await store.createSession(tokenHash: [1], account: ada.id, now: ContractData.now, expiresAt: ContractData.now + 100)
            try await store.createSession(tokenHash: [2], account: ada.id, now: ContractData.now, expiresAt: ContractData.now + 100)
            try await store.setPassword(account: ada.id, passwordHash: "new", keepingSession: [1])
            t.note("hash", try await store.passwordHash(account: ada.id) ?? "nil")
            t.note("kept session", try await store.sessionAccount(tokenHash: [1], now: ContractData.now)?.name ?? "nil")
            t.note("other session", try await store.sessionAccount(tokenHash: [2], now: ContractData.now)?.name ?? "nil")
            try await store.setPassword(account: ada.id, passwordHash: "newer", keepingSession: nil)
            t.note("no session kept", try await store.sessionAccount(tokenHash: [1], now: ContractData.now)?.name ?? "nil")
            do { try await store.setEmail(account: ada.id, email: "BOB@example.org") } catch { t.note("taken", "\(error)") }
            try await store.setEmail(account: ada.id, email: "ada@new.example.org")
            t.note("email", try await store.account(ada.id)?.email ?? "nil")
        }
    }

    @Test("deleting an account leaves nothing that names the person, in either mode, and the rest intact", arguments: [false, true])
    func accountDeletion(removeContributions: Bool) async throws {
        try await sameOnEveryBackend { store, t in
            _ = try await store.upsert(ContractData.papers, defaultDay: ContractData.day)
            let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "h", now: ContractData.now)
            let zelda = try await store.createAccount(name: "zelda_q", email: "zelda.q@example.net", passwordHash: "zelda-hash", now: ContractData.now)
            let other = PaperID("2511.10001")!
            _ = try await store.setVote(account: zelda.id, paper: paper, on: true, now: ContractData.now)
            _ = try await store.setVote(account: ada.id, paper: paper, on: true, now: ContractData.now)
            _ = try await store.submit(paper: other, account: zelda.id, day: ContractData.day, now: ContractData.now)
            let collection = try await store.createCollection(owner: zelda.id, name: "zelda's", isPublic: true, now: ContractData.now)
            try await store.setCollectionItem(collection: collection.id, owner: zelda.id, paper: paper, present: true, now: ContractData.now)
            try await store.createSession(tokenHash: [9], account: zelda.id, now: ContractData.now, expiresAt: ContractData.now + 100)
            try await store.createAPIToken(tokenHash: [8], account: zelda.id, name: "zelda laptop", now: ContractData.now)
            try await store.setFilter(account: zelda.id, filter: try PersonalFilter(kind: .followAuthor, value: "Ada Lovelace"), on: true, now: ContractData.now)
            try await store.setDismissal(account: zelda.id, paper: other, on: true, now: ContractData.now)
            try await store.setNotificationSettings(account: zelda.id, NotificationSettings(replies: true, mentions: true, paperComments: true))
            let root = try await store.addComment(NewComment(paper: paper, parent: nil, author: zelda.id, body: "I am zelda_q, zelda.q@example.net",
                                                             clientKey: "zk"), now: ContractData.now)
            _ = try await store.addComment(NewComment(paper: paper, parent: root.comment.id, author: ada.id, body: "Thanks"), now: ContractData.now + 1)
            _ = try await store.addComment(NewComment(paper: paper, parent: nil, author: zelda.id, body: "a lone remark by zelda_q"), now: ContractData.now + 2)
            let adaRoot = try await store.addComment(NewComment(paper: other, parent: nil, author: ada.id, body: "Ada's"), now: ContractData.now + 3)
            _ = try await store.reportComment(adaRoot.comment.id, reporter: zelda.id, reason: "zelda objects", now: ContractData.now + 4)
            _ = try await store.claimAuthorship(account: zelda.id, paper: other, authorName: "Noam Shazeer", now: ContractData.now)
            _ = try await store.requestSubscription(email: try EmailAddress(validating: "Zelda.Q@example.net"), preferences: DigestPreferences(),
                                                    account: nil, now: ContractData.now, resendAfter: 0)
            _ = try await store.setSuspended(zelda.id, suspended: true, actor: ada.id, reason: "test", now: ContractData.now + 5)
            _ = try await store.setSuspended(zelda.id, suspended: false, actor: ada.id, reason: "test", now: ContractData.now + 6)

            t.note("deleted", try await store.deleteAccount(zelda.id, removeContributions: removeContributions, now: ContractData.now + 10))
            t.note("deleted again", try await store.deleteAccount(zelda.id, removeContributions: removeContributions, now: ContractData.now + 11))
            guard let transfer = store as? any TableTransfer else { throw StoreError.corrupt("store cannot list its tables") }
            let traces = try await TableDump.cells(transfer).filter { _, column, cell in
                switch cell {
                case .text(let text):
                    let lowered = text.lowercased()
                    return lowered.contains("zelda") || lowered.contains("zelda-hash")
                case .integer(let value):
                    return value == zelda.id.rawValue && ["account", "owner", "actor"].contains(column)
                default: return false
                }
            }
            let ownComments = removeContributions ? [] : ["comment.body"]   // what the person chose to leave, without their name on it
            t.note("traces", traces.map(\.place).filter { !ownComments.contains($0) })
            t.note("thread", ContractData.thread(try await store.comments(on: paper)))
            t.note("votes", try await store.rankedPapers([paper], viewer: nil).first?.votes ?? -1)
            t.note("ada intact", try await store.account(named: "ada")?.email ?? "nil")
            t.note("ada's comment", ContractData.thread(try await store.comments(on: other)))
            t.note("login", try await store.credentials(login: "zelda_q") == nil)
        }
    }

    @Test("50 accounts commenting and replying at once on one paper: each comment stored once, order stable, count exact")
    func concurrentComments() async throws {
        try await sameOnEveryBackend { store, t in
            _ = try await store.upsert(ContractData.papers, defaultDay: ContractData.day)
            var accounts: [AccountID] = []
            for i in 0..<50 {
                accounts.append(try await store.createAccount(name: "user\(i)", email: "u\(i)@example.org", passwordHash: "h", now: ContractData.now).id)
            }
            let root = try await store.addComment(NewComment(paper: paper, parent: nil, author: accounts[0], body: "root"), now: ContractData.now)
            let paper = self.paper
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, account) in accounts.enumerated() {
                    group.addTask {
                        // Each sends its comment twice with the same form token (a double click) and a reply.
                        for _ in 0..<2 {
                            _ = try await store.addComment(NewComment(paper: paper, parent: nil, author: account, body: "comment \(i)", clientKey: "c\(i)"),
                                                           now: ContractData.now + Double(i))
                        }
                        _ = try await store.addComment(NewComment(paper: paper, parent: root.comment.id, author: account, body: "reply \(i)", clientKey: "r\(i)"),
                                                       now: ContractData.now + Double(i))
                    }
                }
                try await group.waitForAll()
            }
            let comments = try await store.comments(on: paper)
            let bodies = comments.map(\.body)
            t.note("stored", comments.count)
            t.note("each once", Set(bodies).count == bodies.count && (0..<50).allSatisfy { bodies.contains("comment \($0)") && bodies.contains("reply \($0)") })
            t.note("count", try await ContractData.comments(on: paper.rawValue, store))
            let order = CommentThread.ordered(comments).map(\.comment.id)
            t.note("stable order", order == CommentThread.ordered(try await store.comments(on: paper).shuffled()).map(\.comment.id))
            t.note("replies under root", CommentThread.ordered(comments).prefix(51).dropFirst().allSatisfy { $0.depth == 1 && $0.comment.body.hasPrefix("reply") })
        }
    }
}

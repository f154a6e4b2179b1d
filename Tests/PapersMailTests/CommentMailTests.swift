import Foundation
@testable import PapersMail
import PapersCore
import PapersStore
import PapersTestSupport
import Testing

@Suite("Comment mail: opt-in, batched, never twice, one-click stop, through a real SMTP server")
struct CommentMailTests {
    @Test("replies, mentions and followed papers batch into one mail per person after the delay; never twice; two workers queue it once")
    func batchedOnce() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await MailFixtures.storeWithPapers(dir)
        let paper = try #require(MailFixtures.papers().first).id
        let now = MailFixtures.now
        let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "h", now: now)
        let bob = try await store.createAccount(name: "bob", email: "bob@example.org", passwordHash: "h", now: now)
        let cy = try await store.createAccount(name: "cy", email: "cy@example.org", passwordHash: "h", now: now)
        let quiet = try await store.createAccount(name: "quiet", email: "quiet@example.org", passwordHash: "h", now: now)
        try await store.setNotificationSettings(account: ada.id, NotificationSettings(replies: true, mentions: true, paperComments: true))
        try await store.setNotificationSettings(account: cy.id, NotificationSettings(mentions: true))
        try await MailFixtures.withSMTPServer(dir) { server in
            var runner = try await MailFixtures.runner(store, port: server.port)
            runner.commentMailDelay = 600
            let root = try await store.addComment(NewComment(paper: paper, parent: nil, author: ada.id, body: "Does it scale?"), now: now)
            _ = try await store.addComment(NewComment(paper: paper, parent: nil, author: quiet.id, body: "I never asked for mail"), now: now)
            _ = try await store.addComment(NewComment(paper: paper, parent: root.comment.id, author: bob.id, body: "Yes, see @cy's run.",
                                                      mentions: ["cy"]), now: now + 10)
            _ = try await store.addComment(NewComment(paper: paper, parent: nil, author: bob.id, body: "Also <b>this</b>"), now: now + 60)
            #expect(try await runner.queueCommentMail(now: now + 300) == 0, "the first notification is younger than the delay")
            #expect(try await runner.queueCommentMail(now: now + 700) == 2, "one mail for ada (three comments), one for cy")
            #expect(try await runner.queueCommentMail(now: now + 800) == 0, "never twice")
            _ = try await runner.sender.deliver(dueBy: now + 800)
            let received = try server.messages()
            #expect(MailFixtures.countsByRecipient(received) == ["ada@example.org": 1, "cy@example.org": 1])
            let adaMail = try #require(received.first { $0.rcptTos == ["ada@example.org"] })
            #expect(adaMail.header("Subject")?.hasPrefix("3 new comments on") == true)
            #expect(adaMail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
            #expect(adaMail.header("List-Unsubscribe")?.hasPrefix("<http://papers.test/unsubscribe/comments?token=") == true)
            let text = try #require(adaMail.part("text/plain"))
            #expect(text.contains("Reply to your comment: bob") && text.contains("On a paper you follow: quiet") && text.contains("http://papers.test/papers/"))
            let html = try #require(adaMail.part("text/html"))
            #expect(html.contains("Also &lt;b&gt;this&lt;/b&gt;") && !html.contains("<b>this</b>"), "comment text is escaped in HTML mail")
            let cyMail = try #require(received.first { $0.rcptTos == ["cy@example.org"] })
            #expect(cyMail.header("Subject") == "bob mentioned you on \(MailFixtures.papers()[0].title)")

            // Two workers at once on new notifications: one mail.
            _ = try await store.addComment(NewComment(paper: paper, parent: root.comment.id, author: bob.id, body: "One more"), now: now + 900)
            var other = try await MailFixtures.runner(store, port: server.port)
            other.commentMailDelay = 600
            let workers = [runner, other]
            let queued = try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in workers { group.addTask { try await worker.queueCommentMail(now: now + 2_000) } }
                return try await group.reduce(0, +)
            }
            #expect(queued == 1)
            _ = try await runner.sender.deliver(dueBy: now + 2_000)
            #expect(MailFixtures.countsByRecipient(try server.messages()) == ["ada@example.org": 2, "cy@example.org": 1])

            // The one-click stop turns every kind off; nothing queued is sent afterwards either.
            let token = try #require(adaMail.header("List-Unsubscribe")?.split(separator: "=", maxSplits: 1).last.map { String($0.dropLast()) })
            let tokens = try await SubscriptionTokens(store: store)
            #expect(tokens.verifyCommentMailToken(token) == ada.id)
            #expect(tokens.verifyCommentMailToken(token + "x") == nil)
            #expect(tokens.verify(token, .unsubscribe, now: now) == nil, "not a digest unsubscribe token")
            _ = try await store.addComment(NewComment(paper: paper, parent: root.comment.id, author: bob.id, body: "And another"), now: now + 3_000)
            #expect(try await runner.queueCommentMail(now: now + 4_000) == 1)
            try await store.setNotificationSettings(account: ada.id, NotificationSettings())
            _ = try await runner.sender.deliver(dueBy: now + 4_000)
            #expect(MailFixtures.countsByRecipient(try server.messages()) == ["ada@example.org": 2, "cy@example.org": 1], "queued, then stopped: not sent")
        }
    }
}

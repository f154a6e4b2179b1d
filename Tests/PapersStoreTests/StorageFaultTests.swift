import Foundation
import PapersCore
import PapersSQLite
import PapersStore
import PapersTestSupport
import Testing

@Suite("Storage faults")
struct StorageFaultTests {
    static let filler = String(repeating: "abstract words about sparse experts and routing ", count: 40)

    static func papers(batch: Int) -> [Paper] {
        (0..<50).map { Fixtures.paper(String(format: "2511.%05d", batch * 50 + $0), title: "Paper \(batch) \($0)", abstract: filler + "\(batch)-\($0)") }
    }

    /// Reading still works and finds what was committed.
    static func expectReadable(_ store: SQLitePaperStore, count: Int) async throws {
        #expect(try await store.paperCount() == count, "nothing half-written, nothing lost")
        #expect(try await store.paper(PaperID("2511.00000")!) != nil)
        #expect(try await store.searchKeyword(KeywordQuery(parsing: "sparse experts"), filters: SearchFilters(), limit: 5, offset: 0).hits.count == 5)
    }

    @Test("a full filesystem: the write that does not fit fails whole with an error naming the database file; reads go on; freed, writes work",
          .enabled(if: SmallFilesystem.available))
    func fullFilesystem() async throws {
        let disk = try SmallFilesystem(megabytes: 4)
        defer { disk.remove() }
        let path = disk.path + "/papers.sqlite"
        let store = try SQLitePaperStore(path: path)
        for batch in 0..<4 { _ = try await store.upsert(Self.papers(batch: batch), defaultDay: Day("2025-11-20")!) }
        var committed = 200
        try disk.fill()
        var failure: (any Error)?
        for batch in 4..<400 {
            do {
                _ = try await store.upsert(Self.papers(batch: batch), defaultDay: Day("2025-11-20")!)
                committed += 50
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure, "4 MiB never filled up")
        guard case StoreError.unwritable(let named, let reason) = error else { Issue.record("not a storage fault: \(error)"); return }
        #expect(named == path && reason.contains("disk is full"), "\(error)")
        #expect("\(error)".contains(path) && "\(error)".contains("nothing of this change was written"))
        try await Self.expectReadable(store, count: committed)
        #expect(try await store.integrityProblems() == [])
        // Room again: the same store takes writes without a restart.
        disk.free()
        _ = try await store.upsert(Self.papers(batch: 500), defaultDay: Day("2025-11-20")!)
        try await Self.expectReadable(store, count: committed + 50)
    }

    @Test("a database seen through a read-only mount opens for reading: reads and search work, writes fail naming the file, nothing changes",
          .enabled(if: SmallFilesystem.available))
    func readOnlyFilesystem() async throws {
        let disk = try SmallFilesystem(megabytes: 16)
        defer { disk.remove() }
        // The writable instance keeps the database open (its -wal and -shm files are what a reader on a read-only
        // mount needs), as another server on the same volume would.
        let writer = try SQLitePaperStore(path: disk.path + "/papers.sqlite")
        for batch in 0..<4 { _ = try await writer.upsert(Self.papers(batch: batch), defaultDay: Day("2025-11-20")!) }
        let path = try disk.readOnlyView() + "/papers.sqlite"
        let reader = try SQLitePaperStore(path: path)
        try await Self.expectReadable(reader, count: 200)
        do {
            _ = try await reader.upsert(Self.papers(batch: 9), defaultDay: Day("2025-11-20")!)
            Issue.record("a write through a read-only mount succeeded")
        } catch StoreError.unwritable(let named, let reason) {
            #expect(named == path && reason.contains("read-only"), "\(reason)")
        }
        do {
            _ = try await reader.setVote(account: AccountID(rawValue: 1), paper: PaperID("2511.00001")!, on: true, now: 1)
            Issue.record("a vote through a read-only mount succeeded")
        } catch let error as StoreError {
            #expect("\(error)".contains(path), "\(error)")
        }
        // What the writer adds, the read-only instance reads.
        _ = try await writer.upsert(Self.papers(batch: 9), defaultDay: Day("2025-11-20")!)
        try await Self.expectReadable(reader, count: 250)
        #expect(try await writer.integrityProblems() == [])
    }
}

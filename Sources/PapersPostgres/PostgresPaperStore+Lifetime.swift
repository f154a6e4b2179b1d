import ServiceLifecycle

extension PostgresPaperStore {
    /// The connection pool as a service — `PostgresClient.run()` in the server's `ServiceGroup` — for a store opened
    /// with `runsPool: false`. Put it before the services that use the store: a graceful shutdown reaches it last, after
    /// the HTTP server and the workers have finished their queries; it then stops following segments and closes every
    /// connection.
    public var connectionPool: some Service { ConnectionPoolService(store: self) }
}

/// See ``PostgresPaperStore/connectionPool``.
struct ConnectionPoolService: Service {
    let store: PostgresPaperStore

    func run() async throws {
        // Detached, so PostgresClient.run() does not see the group's graceful shutdown itself: the listening
        // connection must go back before the pool closes.
        let pool = Task.detached { [store] in await store.database.runPool() }
        // Returns on graceful shutdown, throws when cancelled: closed either way.
        try? await gracefulShutdown()
        store.segments.stop()
        pool.cancel()
        await pool.value
    }
}

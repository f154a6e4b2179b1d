import ServiceLifecycle

extension PostgresPaperStore {
    /// The connection pool's lifetime as a service of the server's `ServiceGroup`. The pool itself
    /// (`PostgresClient.run()`) starts when the store opens, because the composition root migrates and reads the
    /// store (secrets, keys) before the group runs; the group owns its end: placed first among the services, it is
    /// shut down last, so a graceful shutdown lets the HTTP server and the workers finish their queries, then stops
    /// following segments and closes every connection.
    public var connectionPoolService: some Service { ConnectionPoolService(store: self) }
}

/// See ``PostgresPaperStore/connectionPoolService``.
struct ConnectionPoolService: Service {
    let store: PostgresPaperStore

    func run() async throws {
        // Returns on graceful shutdown; throws CancellationError when the group is cancelled — closed either way.
        try? await gracefulShutdown()
        store.segments.stop()
        await store.database.shutDown()
    }
}

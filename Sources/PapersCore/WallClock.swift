/// The calendar time the product runs on: Unix seconds now, and the UTC day they fall on.
///
/// One value is made where the program starts (`papers` reads the system clock there, or a pinned instant from
/// `--now`) and handed to every component that needs the date; nothing below the CLI reads the system clock
/// itself. Tests pin it, so no test depends on the day it runs. Durations (timeouts, spacing, elapsed time) use
/// `ContinuousClock` instead: they are not dates.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Double

    /// A clock that reads `now()` (Unix seconds) whenever asked.
    public init(_ now: @escaping @Sendable () -> Double) { read = now }

    /// A clock stopped at `unixTime` (seconds since 1970-01-01T00:00:00Z).
    public static func fixed(_ unixTime: Double) -> WallClock { WallClock { unixTime } }

    /// A clock stopped on `day` at `hour` (UTC, may have a fraction).
    public static func fixed(_ day: Day, hour: Double = 12) -> WallClock { .fixed(day.startUnixTime + hour * 3_600) }

    /// Now, in Unix seconds.
    public var now: Double { read() }

    /// The UTC day of ``now``.
    public var today: Day { Day(unixTime: read()) }

    /// The closure form of ``now``, for components that take `@Sendable () -> Double`.
    public var nowFunction: @Sendable () -> Double { read }
}

// SwiftMACE, MIT licence.
// MACEProfile: optional wall-clock timing of the stages of an energy+forces evaluation (radial basis, spherical
// harmonics, radial MLP, conv, linears, contraction, readouts, backward), for `swiftmace-benchmarks mace --profile`.

import Dispatch
import Foundation

/// Seconds spent per stage while a profile is active (`MACEProfile.collecting(into:_:)`); stages run on the calling
/// thread (each stage may use all cores inside), so the sums add up to the evaluation's wall time.
public final class MACEProfile: @unchecked Sendable {
    @TaskLocal static var current: MACEProfile?

    private let lock = NSLock()
    private var totals: [String: Double] = [:]
    private var order: [String] = []

    public init() {}

    /// `(stage, seconds)` in the order the stages first ran.
    public var stages: [(name: String, seconds: Double)] {
        lock.withLock { order.map { ($0, totals[$0] ?? 0) } }
    }

    /// Forgets every recorded time.
    public func reset() {
        lock.withLock {
            totals = [:]
            order = []
        }
    }

    /// Runs `body` with this profile recording the stages of every evaluation inside it.
    public func collecting<R>(_ body: () throws -> R) rethrows -> R {
        try Self.$current.withValue(self) { try body() }
    }

    func add(_ name: String, seconds: Double) {
        lock.withLock {
            if totals[name] == nil { order.append(name) }
            totals[name, default: 0] += seconds
        }
    }
}

/// Runs `body`, adding its wall time to stage `name` of the active profile (no cost without one).
func profiled<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
    guard let profile = MACEProfile.current else { return try body() }
    let start = DispatchTime.now().uptimeNanoseconds
    defer { profile.add(name, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9) }
    return try body()
}

// SwiftMACE, MIT licence.
// Interruption: a SIGINT (Ctrl-C) handler that only sets a flag; the trainer checks it between optimiser steps,
// saves a checkpoint and stops cleanly.

import Foundation
import Synchronization

public enum Interruption {
    private static let flag = Atomic<Bool>(false)

    /// Routes SIGINT to the flag (async-signal-safe: one atomic store).
    public static func installSignalHandler() {
        signal(SIGINT) { _ in Interruption.flag.store(true, ordering: .relaxed) }
    }

    /// Whether an interruption was requested since the last `reset()`.
    public static var isRequested: Bool { flag.load(ordering: .relaxed) }

    /// Requests an interruption, as SIGINT does (for tests and embedding code).
    public static func request() { flag.store(true, ordering: .relaxed) }

    public static func reset() { flag.store(false, ordering: .relaxed) }
}

// SwiftMACE, MIT licence.
// Gradient recording on or off, per task/thread (a task-local value, not a global), and no-grad evaluation.

/// Whether ops record autodiff nodes. Task-local: setting it affects only the current task or
/// thread and the work it runs synchronously, never other threads.
public enum GradMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` with recording off: ops on tensors that require grad return plain tensors and
/// keep no history (inference pays nothing for autodiff bookkeeping).
public func withoutGradient<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false) { try body() }
}

/// Runs `body` with recording on, e.g. inside a `withoutGradient` scope.
public func withGradient<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(true) { try body() }
}

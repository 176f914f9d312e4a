// SwiftMACE, MIT licence.
// Atomic file writes: write a temporary file beside the target, flush it, then rename it over the target,
// so a crash or Ctrl-C never leaves a half-written output or checkpoint.

import Foundation

/// Errors from writing files.
public enum FileWriteError: Error, CustomStringConvertible, Equatable {
    case cannotCreate(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case cannotRename(from: String, to: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason): "\(path): cannot create file: \(reason)"
        case .cannotWrite(let path, let reason): "\(path): cannot write: \(reason)"
        case .cannotRename(let from, let to, let reason): "cannot rename '\(from)' to '\(to)': \(reason)"
        }
    }
}

/// Writes files atomically: the content goes to `path.tmp-<pid>-<n>` in the same folder, is synced to disk,
/// then renamed over `path`. Readers see either the old file or the complete new one.
public enum AtomicFile {
    /// Writes `data` to `path` atomically.
    /// - Throws: `FileWriteError` naming the path and the system's reason.
    public static func write(_ data: Data, to path: String) throws {
        let temporary = temporaryPath(for: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw FileWriteError.cannotCreate(path: temporary, reason: systemReason())
        }
        var failure: FileWriteError?
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = .cannotWrite(path: temporary, reason: systemReason())
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 {
            failure = .cannotWrite(path: temporary, reason: systemReason())
        }
        close(descriptor)
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else {
            let reason = systemReason()
            unlink(temporary)
            throw FileWriteError.cannotRename(from: temporary, to: path, reason: reason)
        }
    }

    /// Writes a UTF-8 string to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    private static func temporaryPath(for path: String) -> String {
        let counter = TemporaryCounter.next()
        return "\(path).tmp-\(getpid())-\(counter)"
    }

    private static func systemReason() -> String {
        String(cString: strerror(errno))
    }
}

/// A process-wide counter so concurrent atomic writes to the same path use distinct temporary names.
private enum TemporaryCounter {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var value = 0

    static func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

// SwiftMACE, MIT licence.
// BlockTimer: CUDA-event timing of named stages of a pass on one stream (the bench's per-block table).

import CUDA

/// Records a pair of events around each timed stage; sums per stage name after the stream is synchronised.
final class BlockTimer {
    private let context: CUDAContext
    private let stream: CUDAStream
    private var marks: [(name: String, start: CUDAEvent, end: CUDAEvent)] = []
    private var pool: [CUDAEvent] = []
    private var used = 0

    init(context: CUDAContext, stream: CUDAStream) {
        self.context = context
        self.stream = stream
    }

    private func event() throws -> CUDAEvent {
        if used == pool.count { pool.append(try CUDAEvent(context: context)) }
        used += 1
        return pool[used - 1]
    }

    /// Starts a new pass: forgets the previous marks (events are reused).
    func reset() {
        marks = []
        used = 0
    }

    func measure(_ name: String, _ body: () throws -> Void) throws {
        let start = try event(), end = try event()
        try start.record(on: stream)
        try body()
        try end.record(on: stream)
        marks.append((name, start, end))
    }

    /// Milliseconds per stage name, in order of first appearance (call after synchronising the stream).
    func totals() throws -> [(name: String, milliseconds: Double)] {
        var order: [String] = [], sums: [String: Double] = [:]
        for mark in marks {
            if sums[mark.name] == nil { order.append(mark.name) }
            sums[mark.name, default: 0] += try mark.end.elapsedMilliseconds(since: mark.start)
        }
        return order.map { ($0, sums[$0] ?? 0) }
    }
}

extension Optional where Wrapped == BlockTimer {
    /// Runs `body`, timed under `name` when a timer is present.
    func measure(_ name: String, _ body: () throws -> Void) throws {
        if let timer = self { try timer.measure(name, body) } else { try body() }
    }
}

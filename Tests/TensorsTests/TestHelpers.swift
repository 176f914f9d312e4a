// SwiftMACE, MIT licence.
// Helpers for Tensors tests: seeded values, tensors from them, and element-wise closeness checks.

import Testing
import Tensors

/// Deterministic values in [-1, 1) from a 64-bit LCG (reproducible across platforms).
func seededValues(_ count: Int, seed: UInt64) -> [Double] {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53) * 2 - 1
    }
}

/// A float64 tensor of seeded values.
func seededTensor(_ shape: [Int], seed: UInt64, offset: Double = 0) throws -> Tensor {
    try Tensor(seededValues(shape.reduce(1, *), seed: seed).map { $0 + offset }, shape: shape)
}

/// Expects equal shapes and |a − b| ≤ tolerance · (1 + |b|) element-wise.
func expectClose(
    _ actual: Tensor, _ expected: [Double], shape: [Int], tolerance: Double = 1e-12,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.shape == shape, "shape \(actual.shape); expected \(shape)", sourceLocation: sourceLocation)
    let values = actual.toArray()
    guard values.count == expected.count else {
        Issue.record("\(values.count) values; expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    for (index, (a, b)) in zip(values, expected).enumerated() where !(abs(a - b) <= tolerance * (1 + abs(b))) {
        Issue.record("element \(index): \(a); expected \(b)", sourceLocation: sourceLocation)
        return
    }
}

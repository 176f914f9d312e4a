// SwiftMACE, MIT licence.
// Tests of DenseArray's row-major indexing and norms.

import Testing

@testable import Equivariance

@Suite struct DenseArrayTests {
    @Test func indexesRowMajorWithLastAxisFastest() {
        var a = DenseArray(zeros: [2, 3, 4])
        a[1, 2, 3] = 5
        a[0, 1, 0] = -2
        #expect(a.values[23] == 5 && a.values[4] == -2)
        #expect(a.flatIndex([1, 0, 2]) == 14)
        #expect(a.frobeniusNorm == 29.0.squareRoot())
        #expect(a.maxAbsoluteDifference(to: DenseArray(zeros: [2, 3, 4])) == 5)
    }
}

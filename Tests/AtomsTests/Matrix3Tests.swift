// SwiftMACE, MIT licence.
// Tests of Matrix3 algebra and the element table.

import Testing

@testable import Atoms

@Suite struct Matrix3Tests {
    @Test func inverseTimesMatrixIsIdentityForSkewedCell() throws {
        let cell = Matrix3(rowMajor: [14.22366, 5.591921, 15.557314, 0, 9.055935, 0.272179, 0, 0, 9.178194])
        let inverse = try #require(cell.inverse)
        let product = cell * inverse
        for i in 0..<3 {
            for j in 0..<3 {
                #expect(abs(product[i, j] - (i == j ? 1 : 0)) < 1e-13)
            }
        }
        #expect(abs(cell.determinant - 14.22366 * 9.055935 * 9.178194) < 1e-9)
    }

    @Test func singularMatrixHasNoInverse() {
        #expect(Matrix3(rowMajor: [1, 2, 3, 2, 4, 6, 0, 0, 1]).inverse == nil)
    }

    @Test func rowVectorTimesCellGivesCartesian() {
        let cell = Matrix3(rows: SIMD3(2, 0, 0), SIMD3(1, 3, 0), SIMD3(0, 0, 4))
        #expect(SIMD3<Double>(1, 1, 0.5) * cell == SIMD3(3, 3, 2))
    }

    @Test func elementSymbolsRoundTrip() {
        #expect(Element.atomicNumber(of: "C") == 6)
        #expect(Element.atomicNumber(of: "Og") == 118)
        #expect(Element.atomicNumber(of: "c") == nil)
        #expect(Element.atomicNumber(of: "Xx") == nil)
        for z in 1...Element.maximumAtomicNumber {
            #expect(Element.atomicNumber(of: Element.symbol(of: z)!) == z)
        }
        #expect(Element.symbol(of: 0) == nil)
        #expect(Element.symbol(of: 119) == nil)
    }
}

// SwiftMACE, MIT licence.
// Tests of Irrep parsing, printing and e3nn ordering.

import Testing

@testable import Equivariance

@Suite struct IrrepTests {
    @Test func parsesAndPrintsShortForm() throws {
        #expect(try Irrep(parsing: "1o") == Irrep(1, .odd))
        #expect(try Irrep(parsing: " 2e ").description == "2e")
        #expect(Irrep(3, .odd).dimension == 7)
    }

    @Test func rejectsMalformedIrrepWithQuotedText() {
        #expect(throws: EquivarianceError.invalidIrreps("1x", reason: "expected an irrep such as '0e' or '1o'")) {
            try Irrep(parsing: "1x")
        }
    }

    @Test func sortsOddBeforeEvenAtEqualDegree() {
        let sorted = [Irrep(1, .even), Irrep(0, .even), Irrep(1, .odd), Irrep(0, .odd)].sorted()
        #expect(sorted.map(\.description) == ["0o", "0e", "1o", "1e"])
    }
}

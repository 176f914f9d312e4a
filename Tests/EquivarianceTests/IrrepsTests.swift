// SwiftMACE, MIT licence.
// Tests of Irreps parsing, printing and algebra against e3nn 0.4.4 (fixture irreps.json) and exact error texts.

import Foundation
import Testing

@testable import Equivariance

@Suite struct IrrepsTests {
    @Test func matchesE3nnOnEveryFixtureString() throws {
        let file = try E3nnFixtures.load(E3nnFixtures.IrrepsFile.self, "irreps.json")
        #expect(file.cases.count >= 10)
        for c in file.cases {
            let irreps = try Irreps(parsing: c.text)
            #expect(irreps.description == c.repr, "text '\(c.text)'")
            #expect(irreps.dim == c.dim, "text '\(c.text)'")
            #expect(irreps.numIrreps == c.num_irreps, "text '\(c.text)'")
            #expect(irreps.lmax == c.lmax, "text '\(c.text)'")
            #expect(irreps.simplified().description == c.simplify, "text '\(c.text)'")
            let sorted = irreps.sorted()
            #expect(sorted.irreps.description == c.sort_irreps, "text '\(c.text)'")
            #expect(sorted.p == c.sort_p, "text '\(c.text)'")
            #expect(sorted.inv == c.sort_inv, "text '\(c.text)'")
            #expect(irreps.slices.map { [$0.lowerBound, $0.upperBound] } == c.slices, "text '\(c.text)'")
            #expect(irreps.offsets == c.slices.map { $0[0] }, "text '\(c.text)'")
            #expect((irreps * 3).description == c.times3, "text '\(c.text)'")
            #expect((2 * irreps).description == c.rtimes2, "text '\(c.text)'")
            #expect(irreps.count(of: Irrep(1, .odd)) == c.count_1o, "text '\(c.text)'")
            #expect(try Irreps(parsing: irreps.description) == irreps, "round trip of '\(c.text)'")
        }
    }

    @Test func reproducesMaceHiddenIrrepsFromSphericalHarmonicsTimesChannels() throws {
        let file = try E3nnFixtures.load(E3nnFixtures.IrrepsFile.self, "irreps.json")
        #expect(file.mace_sh_times_channels.count == 2)
        for c in file.mace_sh_times_channels {
            let sh = Irreps.sphericalHarmonics(lmax: c.lmax)
            #expect(sh.description == c.sh)
            #expect((sh * 128).sorted().irreps.simplified().description == c.result)
        }
        #expect(Irreps.sphericalHarmonics(lmax: 3).multiplyingMultiplicities(by: 128).description
            == "128x0e+128x1o+128x2e+128x3o")
    }

    @Test func irrepProductsMatchE3nn() throws {
        let file = try E3nnFixtures.load(E3nnFixtures.IrrepsFile.self, "irreps.json")
        for c in file.products {
            let product = try Irrep(parsing: c.a) * Irrep(parsing: c.b)
            #expect(product.map(\.description) == c.result, "\(c.a) * \(c.b)")
        }
    }

    @Test func rejectsEveryStringE3nnRejects() throws {
        let file = try E3nnFixtures.load(E3nnFixtures.IrrepsFile.self, "irreps.json")
        for c in file.invalid {
            #expect(c.rejected)
            #expect(throws: EquivarianceError.self, "'\(c.text)'") { try Irreps(parsing: c.text) }
        }
    }

    @Test func parseErrorsQuoteTheTextAndTheEntry() {
        #expect(throws: EquivarianceError.invalidIrreps(
            "128x0e+12x1q", reason: "entry '12x1q' is not of the form '<mul>x<irrep>' such as '128x1o'")
        ) { try Irreps(parsing: "128x0e+12x1q") }
        #expect(throws: EquivarianceError.invalidIrreps(
            "0e+", reason: "entry '' is not of the form '<mul>x<irrep>' such as '128x1o'")
        ) { try Irreps(parsing: "0e+") }
        let error = EquivarianceError.invalidIrreps(
            "99999999999x0e", reason: "multiplicity 99999999999 exceeds the supported maximum 4294967296")
        #expect(throws: error) { try Irreps(parsing: "99999999999x0e") }
        #expect(error.description
            == "invalid irreps '99999999999x0e': multiplicity 99999999999 exceeds the supported maximum 4294967296")
    }

    @Test func acceptsSpacesAroundEveryPart() throws {
        #expect(try Irreps(parsing: " 16 x 0e +  1 x 1o ").description == "16x0e+1x1o")
        #expect(try Irreps(parsing: "   ") == .empty)
    }

    @Test func filtersEntriesByIrrepKeepingOrder() throws {
        let irreps = try Irreps(parsing: "2x1o+3x0e+1x1o+4x2e")
        #expect(irreps.filter(keeping: [Irrep(1, .odd)]).description == "2x1o+1x1o")
        #expect(irreps.filter { $0.l != 1 }.description == "3x0e+4x2e")
        #expect(irreps.contains(Irrep(2, .even)) && !irreps.contains(Irrep(2, .odd)))
    }

    @Test func codesAsTheE3nnString() throws {
        let irreps = try Irreps(parsing: "3x2e + 0x1o+1x0o")
        let data = try JSONEncoder().encode([irreps])
        #expect(String(decoding: data, as: UTF8.self) == #"["3x2e+0x1o+1x0o"]"#)
        #expect(try JSONDecoder().decode([Irreps].self, from: data) == [irreps])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Irreps].self, from: Data(#"["1x"]"#.utf8)) }
    }
}

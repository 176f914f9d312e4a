// SwiftMACE, MIT licence.
// Decoders for the e3nn 0.4.4 reference fixtures in Tests/Fixtures/equivariance/
// (made by tools/fixtures/make_e3nn_fixtures.py).

import Foundation
import TestSupport

enum E3nnFixtures {
    struct SphericalHarmonicsFile: Decodable {
        struct Case: Decodable {
            let lmax: Int
            let normalize: Bool
            let normalization: String
            let vectors: [[Double]]
            let values: [Double]
        }
        let cases: [Case]
    }

    struct Wigner3jFile: Decodable {
        struct Triple: Decodable {
            let l: [Int]
            let nonzero_index: [Int]
            let nonzero_value: [Double]
        }
        let triples: [Triple]
    }

    struct WignerDFile: Decodable {
        struct Block: Decodable {
            let irrep: String
            let D: [Double]
        }
        struct Case: Decodable {
            let R: [Double]
            let blocks: [Block]
        }
        let cases: [Case]
    }

    struct IrrepsFile: Decodable {
        struct Case: Decodable {
            let text: String
            let repr: String
            let dim: Int
            let num_irreps: Int
            let lmax: Int?
            let simplify: String
            let sort_irreps: String
            let sort_p: [Int]
            let sort_inv: [Int]
            let slices: [[Int]]
            let times3: String
            let rtimes2: String
            let count_1o: Int
        }
        struct MaceCase: Decodable {
            let lmax: Int
            let sh: String
            let result: String
        }
        struct Invalid: Decodable {
            let text: String
            let rejected: Bool
        }
        struct Product: Decodable {
            let a: String
            let b: String
            let result: [String]
        }
        let cases: [Case]
        let mace_sh_times_channels: [MaceCase]
        let invalid: [Invalid]
        let products: [Product]
    }

    static func load<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Fixtures.data("equivariance/\(name)"))
    }
}

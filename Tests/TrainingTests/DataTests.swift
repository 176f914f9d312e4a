// SwiftMACE, MIT licence.
// numpy-exact train/valid split (PCG64 + SeedSequence + Generator.shuffle) and E0s against np.linalg.lstsq.

import Atoms
import Foundation
import Testing
@testable import Training

@Suite struct DataTests {
    @Test func pcg64MatchesNumpyDefaultRng() throws {
        let json = try JSONFixture("split.json")["pcg64_seed123"]
        var generator = PCG64(seed: 123)
        #expect(words(json.object["state"] as? String) == [generator.stateHigh, generator.stateLow])
        #expect(words(json.object["inc"] as? String) == [generator.incrementHigh, generator.incrementLow])
        let outputs = (0..<4).map { _ in "\(generator.next())" }
        #expect(outputs == json.object["first_outputs"] as? [String])
    }

    /// A decimal 128-bit number as (high, low) 64-bit words.
    private func words(_ decimal: String?) -> [UInt64] {
        var (high, low): (UInt64, UInt64) = (0, 0)
        for digit in (decimal ?? "").compactMap(\.wholeNumberValue) {
            let lowProduct = low.multipliedFullWidth(by: 10)
            let (sum, carry) = lowProduct.low.addingReportingOverflow(UInt64(digit))
            high = high &* 10 &+ lowProduct.high &+ (carry ? 1 : 0)
            low = sum
        }
        return [high, low]
    }

    @Test func splitMatchesMace() throws {
        for item in try JSONFixture("split.json").list("cases") {
            let seed = try #require(item.object["seed"] as? Int)
            let split = try TrainValidSplit(
                count: try #require(item.object["size"] as? Int), validFraction: item.double("valid_fraction"), seed: seed)
            #expect(split.train == item.object["train"] as? [Int], "seed \(seed)")
            #expect(split.valid == item.object["valid"] as? [Int], "seed \(seed)")
        }
        #expect(throws: TrainingError.invalidData("cannot split 1 configuration(s) into training and validation sets; need at least 2")) {
            _ = try TrainValidSplit(count: 1, validFraction: 0.1, seed: 1)
        }
    }

    @Test func averageE0sMatchNumpyLstsq() throws {
        for item in try JSONFixture("e0s.json").list("cases") {
            let zs = try #require(item.object["zs"] as? [Int])
            let configurations = zip(item.nested("counts"), item.doubles("energies")).map { counts, energy in
                var numbers: [Int] = []
                for (z, count) in zip(zs, counts) { numbers += Array(repeating: z, count: Int(count)) }
                var configuration = Configuration(atomicNumbers: numbers, positions: numbers.map { _ in .zero })
                configuration.energy = energy
                return configuration
            }
            let e0s = try E0s.average(zs: zs, configurations: configurations)
            expectClose(zs.map { e0s[$0] ?? .nan }, item.doubles("e0s"), relative: 1e-10, item.object["name"] as? String ?? "")
        }
    }

    @Test func e0sFromIsolatedAtomsOrValues() throws {
        var hydrogen = Configuration(atomicNumbers: [1], positions: [.zero])
        hydrogen.energy = -13.6
        hydrogen.configType = "IsolatedAtom"
        var water = Configuration(atomicNumbers: [8, 1, 1], positions: [.zero, .zero, .zero])
        water.energy = -2080
        #expect(try E0s.resolve(nil, zs: [1], configurations: [hydrogen, water], source: "train.xyz") == [1: -13.6])
        #expect(throws: TrainingError.invalidData("train.xyz (IsolatedAtom configurations): no E0 for element 8 (O)")) {
            _ = try E0s.resolve(nil, zs: [1, 8], configurations: [hydrogen, water], source: "train.xyz")
        }
        #expect(try E0s.resolve(.values([1: -1, 8: -2, 6: -3]), zs: [1, 8], configurations: [], source: "t") == [1: -1, 8: -2])
        #expect(E0sOption(option: .scalar("{1: -13.6, 8: -2041.9}")) == .values([1: -13.6, 8: -2041.9]))
        #expect(E0sOption(option: .scalar("{0: 1}")) == nil)
    }
}

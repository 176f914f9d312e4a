// SwiftMACE, MIT licence.
// TrainingData: the train, validation and test sets of a run, read by the Atoms readers (extxyz, rMD17 npz, DeePMD,
// pymatgen JSON) and checked before any work: files exist, valid/test elements are a subset of train.

import Atoms
import Foundation
import Support

/// The configurations a run trains, validates and tests on.
public struct TrainingData: Sendable {
    /// Training configurations (IsolatedAtom configurations removed unless `keep_isolated_atoms`).
    public var train: [Configuration]
    public var valid: [Configuration]
    /// Test sets by name (the file's base name without extension).
    public var tests: [(name: String, configurations: [Configuration])]
    /// Atomic numbers of the training file, ascending (mace's `z_table`).
    public var atomicNumbers: [Int]
    /// Every configuration of the training file, isolated atoms included (for E0s).
    public var allTrain: [Configuration]

    /// Reads and checks every data file of `options`.
    /// - Parameter source: the config file (or "command line") named in errors.
    /// - Throws: `TrainingError.invalidValue` naming the key (`train_file`, `valid_file`, `test_file`, `test_dir`)
    ///   for a missing file or an element absent from the training file; the readers' `AtomsError` for bad data.
    public static func load(options: TrainingOptions, source: String) throws -> TrainingData {
        func location(_ key: String) -> InputLocation { InputLocation(file: source, key: key) }
        let keyed: [(String, String?)] = [("train_file", options.trainFile), ("valid_file", options.validFile),
                                          ("test_file", options.testFile), ("test_dir", options.testDir)]
        for case let (key, path?) in keyed where !FileManager.default.fileExists(atPath: path) {
            throw TrainingError.invalidValue(location(key), found: path, expected: "an existing file or folder")
        }
        let keys = PropertyKeys(energy: options.energyKey, forces: options.forcesKey, stress: options.stressKey,
                                virials: options.virialsKey)
        guard let trainFile = options.trainFile else { throw TrainingError.missingKey(source: source, key: "train_file") }
        let all = try DatasetReader.read(path: trainFile, keys: keys).configurations
        guard !all.isEmpty else { throw TrainingError.invalidValue(location("train_file"), found: trainFile, expected: "a file with configurations") }
        let train = options.keepIsolatedAtoms ? all : all.filter { $0.configType != E0s.isolatedAtomType }
        let zs = Array(Set(all.flatMap(\.atomicNumbers))).sorted()

        var data = TrainingData(train: train, valid: [], tests: [], atomicNumbers: zs, allTrain: all)
        if let validFile = options.validFile {
            data.valid = try DatasetReader.read(path: validFile, keys: keys).configurations
            try data.checkElements(data.valid, key: "valid_file", path: validFile, source: source)
        } else {
            let split = try TrainValidSplit(count: train.count, validFraction: options.validFraction, seed: options.seed)
            data.train = split.train.map { train[$0] }
            data.valid = split.valid.map { train[$0] }
        }
        var testFiles: [(key: String, path: String)] = options.testFile.map { [("test_file", $0)] } ?? []
        if let testDir = options.testDir {
            let names = try FileManager.default.contentsOfDirectory(atPath: testDir).sorted()
            testFiles += names.filter { ["xyz", "extxyz", "npz", "json"].contains(($0 as NSString).pathExtension.lowercased()) }
                .map { ("test_dir", testDir + "/" + $0) }
        }
        for (key, path) in testFiles {
            let configurations = try DatasetReader.read(path: path, keys: keys).configurations
            try data.checkElements(configurations, key: key, path: path, source: source)
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            data.tests.append((name, configurations))
        }
        return data
    }

    /// Every element of `configurations` must be one the model (built from the training file) knows.
    func checkElements(_ configurations: [Configuration], key: String, path: String, source: String) throws {
        let known = Set(atomicNumbers)
        for (index, configuration) in configurations.enumerated() {
            if let z = configuration.atomicNumbers.first(where: { !known.contains($0) }) {
                let symbol = Element.symbol(of: z) ?? "Z=\(z)"
                let trained = atomicNumbers.map { Element.symbol(of: $0) ?? "\($0)" }.joined(separator: ", ")
                throw TrainingError.invalidValue(
                    InputLocation(file: source, key: key), found: "\(path) (configuration \(index) has element \(symbol))",
                    expected: "only elements of train_file (\(trained))")
            }
        }
    }
}

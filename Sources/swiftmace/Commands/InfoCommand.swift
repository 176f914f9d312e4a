// SwiftMACE, MIT licence.
// `swiftmace info PATH...`: what a dataset holds (configurations, elements, labels, ranges, neighbours).

import ArgumentParser
import Atoms
import Foundation

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Summarise datasets: configurations, atoms, elements, pbc, labels, ranges, neighbours.")

    @Argument(help: "Files (extxyz, rMD17 npz, pymatgen JSON) or DeePMD folders.")
    var paths: [String]

    @Option(name: [.customLong("r_max"), .customLong("r-max")], help: "Cutoff radius (Å) for the neighbour count.")
    var rMax: Double = 5.0

    @OptionGroup var keys: PropertyKeyOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard rMax.isFinite, rMax > 0 else {
            throw ValidationError("--r_max must be a positive number of Å; got '\(rMax)'")
        }
    }

    func run() throws {
        var summaries: [DatasetSummary] = []
        for path in paths {
            let dataset = try DatasetReader.read(path: path, keys: keys.propertyKeys)
            summaries.append(try DatasetSummary(dataset, rMax: rMax))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summaries), as: UTF8.self))
        } else {
            print(summaries.map(\.text).joined(separator: "\n\n"))
        }
    }
}

// SwiftMACE, MIT licence.
// DatasetSummary: what `swiftmace info` reports about a dataset (counts, elements, labels, ranges, neighbours).

import Foundation

/// Statistics of a dataset, computed once and rendered as text or JSON.
public struct DatasetSummary: Sendable, Codable, Equatable {
    /// An observed minimum and maximum.
    public struct Range: Sendable, Codable, Equatable {
        public var min: Double
        public var max: Double
    }

    public var source: String
    public var configurations: Int
    public var atoms: Int
    public var minAtoms: Int
    public var maxAtoms: Int
    /// Element symbol → number of atoms, sorted by atomic number.
    public var elements: [String: Int]
    public var elementOrder: [String]
    /// pbc pattern ("T T T") → number of configurations.
    public var pbc: [String: Int]
    /// Label → number of configurations that carry it (energy, forces, stress, virials).
    public var labels: [String: Int]
    /// config_type → number of configurations.
    public var configTypes: [String: Int]
    /// Total energy (eV) and energy per atom (eV/atom) over labelled configurations.
    public var energy: Range?
    public var energyPerAtom: Range?
    /// Force components (eV/Å) and the largest force norm.
    public var forceComponent: Range?
    public var maxForceNorm: Double?
    /// Cutoff used for the neighbour count (Å), and the mean number of neighbours per atom.
    public var rMax: Double
    public var meanNeighbours: Double
    /// Mean neighbours over atoms that have any: mace-torch's `avg_num_neighbors` for this data at `rMax`.
    public var meanNeighboursOfReceivingAtoms: Double

    /// Summarises `dataset`, counting neighbours within `rMax` with mace-torch's neighbour-list convention.
    /// - Throws: `AtomsError` if a configuration's cell cannot be used for a neighbour list.
    public init(_ dataset: Dataset, rMax: Double) throws {
        source = dataset.source
        configurations = dataset.count
        atoms = dataset.atomCount
        minAtoms = dataset.configurations.map(\.numAtoms).min() ?? 0
        maxAtoms = dataset.configurations.map(\.numAtoms).max() ?? 0
        self.rMax = rMax

        var elementCounts: [Int: Int] = [:]
        var pbcCounts: [String: Int] = [:]
        var labelCounts: [String: Int] = ["energy": 0, "forces": 0, "stress": 0, "virials": 0]
        var typeCounts: [String: Int] = [:]
        var energies: [Double] = []
        var perAtom: [Double] = []
        var forceMin = Double.infinity
        var forceMax = -Double.infinity
        var forceNormMax = 0.0
        var neighbourCounts = NeighbourCounts()
        for configuration in dataset.configurations {
            for z in configuration.atomicNumbers { elementCounts[z, default: 0] += 1 }
            pbcCounts[configuration.pbc.description, default: 0] += 1
            typeCounts[configuration.configType, default: 0] += 1
            if let energy = configuration.energy {
                labelCounts["energy"]! += 1
                energies.append(energy)
                if configuration.numAtoms > 0 { perAtom.append(energy / Double(configuration.numAtoms)) }
            }
            if let forces = configuration.forces {
                labelCounts["forces"]! += 1
                for force in forces {
                    forceMin = Swift.min(forceMin, force.min())
                    forceMax = Swift.max(forceMax, force.max())
                    forceNormMax = Swift.max(forceNormMax, norm(force))
                }
            }
            if configuration.stress != nil { labelCounts["stress"]! += 1 }
            if configuration.virials != nil { labelCounts["virials"]! += 1 }
            neighbourCounts.add(try NeighbourList(configuration: configuration, cutoff: rMax))
        }
        let sortedNumbers = elementCounts.keys.sorted()
        elementOrder = sortedNumbers.map { Element.symbol(of: $0) ?? "Z\($0)" }
        elements = Dictionary(uniqueKeysWithValues: zip(elementOrder, sortedNumbers.map { elementCounts[$0]! }))
        pbc = pbcCounts
        labels = labelCounts
        configTypes = typeCounts
        energy = energies.isEmpty ? nil : Range(min: energies.min()!, max: energies.max()!)
        energyPerAtom = perAtom.isEmpty ? nil : Range(min: perAtom.min()!, max: perAtom.max()!)
        let hasForces = labelCounts["forces"]! > 0 && forceMin.isFinite
        forceComponent = hasForces ? Range(min: forceMin, max: forceMax) : nil
        maxForceNorm = hasForces ? forceNormMax : nil
        meanNeighbours = neighbourCounts.meanNeighboursPerAtom ?? 0
        meanNeighboursOfReceivingAtoms = neighbourCounts.meanNeighboursOfReceivingAtoms ?? 0
    }

    /// A human-readable report.
    public var text: String {
        func counts(_ table: [String: Int], order: [String]? = nil) -> String {
            (order ?? table.keys.sorted()).map { "\($0): \(table[$0] ?? 0)" }.joined(separator: ", ")
        }
        func format(_ value: Double) -> String { String(format: "%.6g", value) }
        var lines = [
            source,
            "  configurations  \(configurations)",
            "  atoms           \(atoms) (per configuration \(minAtoms)–\(maxAtoms))",
            "  elements        \(counts(elements, order: elementOrder))",
            "  pbc             \(counts(pbc))",
            "  config types    \(counts(configTypes))",
            "  labels          \(counts(labels, order: ["energy", "forces", "stress", "virials"])) (of \(configurations))",
        ]
        if let energy, let energyPerAtom {
            lines.append("  energy          \(format(energy.min)) … \(format(energy.max)) eV")
            lines.append("  energy / atom   \(format(energyPerAtom.min)) … \(format(energyPerAtom.max)) eV")
        }
        if let forceComponent, let maxForceNorm {
            lines.append(
                "  forces          \(format(forceComponent.min)) … \(format(forceComponent.max)) eV/Å, max |F| \(format(maxForceNorm)) eV/Å"
            )
        }
        lines.append(
            "  neighbours      \(String(format: "%.2f", meanNeighbours)) per atom within r_max = \(format(rMax)) Å"
                + " (avg_num_neighbors \(String(format: "%.2f", meanNeighboursOfReceivingAtoms)))")
        return lines.joined(separator: "\n")
    }
}

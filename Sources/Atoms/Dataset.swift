// SwiftMACE, MIT licence.
// Dataset: the configurations read from one or more files, with the summary `swiftmace info` prints.

/// An ordered collection of configurations and where they came from.
public struct Dataset: Sendable, Hashable {
    public var configurations: [Configuration]
    /// The path(s) the configurations were read from, for messages.
    public var source: String

    public init(configurations: [Configuration], source: String) {
        self.configurations = configurations
        self.source = source
    }

    public var count: Int { configurations.count }
    public var isEmpty: Bool { configurations.isEmpty }

    /// Total number of atoms over all configurations.
    public var atomCount: Int { configurations.reduce(0) { $0 + $1.numAtoms } }

    /// The sorted atomic numbers that occur (mace-torch's `atomic_numbers` table order).
    public var atomicNumbers: [Int] {
        Array(Set(configurations.flatMap(\.atomicNumbers))).sorted()
    }
}

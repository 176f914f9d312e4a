// SwiftMACE, MIT licence.
// The `swiftmace` command line: the root command and its subcommands (one type per file in Commands/).

import ArgumentParser

@main
struct SwiftMACECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftmace",
        abstract: "MACE machine-learning interatomic potentials in Swift.",
        version: "0.1.0",
        subcommands: [])
}

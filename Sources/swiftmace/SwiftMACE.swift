// SwiftMACE, MIT licence.
// The `swiftmace` command line: the root command, its subcommands (one type per file in Commands/), and the one
// place where errors become messages and exit codes (0 success, 1 failure, 64 usage).

import ArgumentParser
import Foundation

@main
struct SwiftMACECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftmace",
        abstract: "MACE machine-learning interatomic potentials in Swift.",
        version: "0.1.0",
        subcommands: [InfoCommand.self, EvalCommand.self, TrainCommand.self, SelftestCommand.self, BenchCommand.self])

    static func main() {
        let command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)  // usage errors, --help, --version: ArgumentParser's own messages and codes
        }
        do {
            var runnable = command
            try runnable.run()
        } catch let exitCode as ExitCode {
            exit(withError: exitCode)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            Foundation.exit(1)
        }
    }
}

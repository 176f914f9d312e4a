// SwiftMACE, MIT licence.
// Fixture lookup for tests and benchmarks: every fixture lives under Tests/Fixtures/<layer>/.

import Foundation

/// Locates committed test fixtures, so no test hard-codes a path.
public enum Fixtures {
    /// The repository root, found from this file's location (Sources/TestSupport/Fixtures.swift).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The URL of a fixture, e.g. `Fixtures.url("atoms/ethanol_head.xyz")`.
    public static func url(_ relativePath: String) -> URL {
        repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relativePath)
    }

    /// The path of a fixture as a string.
    public static func path(_ relativePath: String) -> String { url(relativePath).path }

    /// The bytes of a fixture.
    public static func data(_ relativePath: String) throws -> Data {
        try Data(contentsOf: url(relativePath))
    }
}

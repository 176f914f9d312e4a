// SwiftMACE, MIT licence.
// Helpers for Training tests: JSON fixture access and relative comparison.

import Foundation
import Tensors
import Testing
import TestSupport

/// A decoded JSON fixture from Tests/Fixtures/training/.
struct JSONFixture {
    let object: [String: Any]

    init(_ relativePath: String) throws {
        let data = try Fixtures.data("training/" + relativePath)
        object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    init(object: [String: Any]) { self.object = object }

    subscript(key: String) -> JSONFixture { JSONFixture(object: object[key] as? [String: Any] ?? [:]) }
    func doubles(_ key: String) -> [Double] { (object[key] as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
    func double(_ key: String) -> Double { (object[key] as? NSNumber)?.doubleValue ?? .nan }
    func nested(_ key: String) -> [[Double]] {
        (object[key] as? [[Any]] ?? []).map { $0.map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
    }
    func list(_ key: String) -> [JSONFixture] { (object[key] as? [[String: Any]] ?? []).map(JSONFixture.init(object:)) }
}

/// Expects `actual` to match `expected` element-wise to a relative tolerance (absolute near zero).
func expectClose(
    _ actual: [Double], _ expected: [Double], relative: Double = 1e-12, _ what: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    for (index, (a, e)) in zip(actual, expected).enumerated() where abs(a - e) > relative * max(abs(e), 1e-300) {
        Issue.record("\(what)[\(index)]: \(a) vs \(e) (rel \(abs(a - e) / abs(e)))", sourceLocation: sourceLocation)
        return
    }
}

/// A float64 tensor from flat values.
func tensor(_ values: [Double], _ shape: [Int]) throws -> Tensor { try Tensor(values, shape: shape) }

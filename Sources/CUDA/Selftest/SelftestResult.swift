// SwiftMACE, MIT licence.
// SelftestResult and SelftestRun: named PASS/FAIL checks, each reported as soon as it finishes; a check that throws
// fails with the error's message.

/// The outcome of one self-test check.
public struct SelftestResult: Sendable, Equatable {
    /// Short name, e.g. "gemm float32".
    public let name: String
    public let passed: Bool
    /// Measured values and bounds, or the error.
    public let detail: String

    public init(name: String, passed: Bool, detail: String) {
        self.name = name
        self.passed = passed
        self.detail = detail
    }

    /// "PASS name: detail" or "FAIL name: detail".
    public var line: String { "\(passed ? "PASS" : "FAIL") \(name): \(detail)" }
}

/// Runs checks in order, reporting each result through `report` as it finishes (every self-test group's runner).
public struct SelftestRun {
    public private(set) var results: [SelftestResult] = []
    let report: (SelftestResult) -> Void

    public init(report: @escaping (SelftestResult) -> Void) {
        self.report = report
    }

    /// Runs `body`, which returns whether the check passed and what it measured; a throw fails the check with the
    /// error's message.
    public mutating func check(_ name: String, _ body: () throws -> (passed: Bool, detail: String)) {
        let result: SelftestResult
        do {
            let (passed, detail) = try body()
            result = SelftestResult(name: name, passed: passed, detail: detail)
        } catch {
            result = SelftestResult(name: name, passed: false, detail: "\(error)")
        }
        results.append(result)
        report(result)
    }
}

/// Numeric helpers of the self-tests (every group's).
public enum SelftestMath {
    /// ‖out − ref‖₂ / ‖ref‖₂; NaN when the counts differ or any output is NaN, so it fails every `≤` bound.
    public static func relativeError(_ output: [Double], _ reference: [Double]) -> Double {
        guard output.count == reference.count else { return .nan }
        var difference = 0.0
        var norm = 0.0
        for (value, expected) in zip(output, reference) {
            difference += (value - expected) * (value - expected)
            norm += expected * expected
        }
        return (difference / max(norm, .leastNormalMagnitude)).squareRoot()
    }

    /// "1.23e-07" style.
    public static func scientific(_ value: Double) -> String {
        value.isNaN ? "nan" : String(format: "%.2e", value)
    }

    /// The bfloat16 nearest `value` (round to nearest even), as its bits.
    static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    /// The Float a bfloat16 bit pattern stands for.
    static func float(bfloat16Bits bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }
}

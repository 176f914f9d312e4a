// SwiftMACE, MIT licence.
// Number parsing on UTF-8 bytes for extxyz: integers, and doubles correctly rounded by the C library's strtod
// after checking the token against a plain decimal grammar (no hex floats, no locale surprises).

import Foundation

/// The result of reading one token as a real number.
enum ParsedReal {
    case finite(Double)
    /// `nan`, `inf`, `infinity` (any case, any sign) or a decimal that overflows a Double.
    case notFinite
    case invalid
}

/// Byte-level number and whitespace helpers shared by the extxyz reader and comment-line parser.
enum ExtXYZNumbers {
    /// ASCII whitespace, as Python's `str.split()` sees it in these files: space, \t, \n, \v, \f, \r.
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Reads `[+-]?digits` as an `Int`; `nil` if the token is anything else or overflows 64 bits.
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var index = range.lowerBound
        guard index < range.upperBound else { return nil }
        var negative = false
        if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < range.upperBound else { return nil }
        var value = 0
        while index < range.upperBound {
            let byte = bytes[index]
            guard isDigit(byte) else { return nil }
            let digit = Int(byte - 0x30)
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative
                ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = next
            index += 1
        }
        return value
    }

    /// Reads a decimal real number `[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?`.
    ///
    /// The byte at `range.upperBound` must exist and must not continue a number (whitespace, a comma or the
    /// NUL that ends every buffer the readers build), because strtod reads up to the first byte it cannot use.
    static func real(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> ParsedReal {
        var index = range.lowerBound
        let end = range.upperBound
        if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        var digits = 0
        while index < end, isDigit(bytes[index]) {
            index += 1
            digits += 1
        }
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < end, isDigit(bytes[index]) {
                index += 1
                digits += 1
            }
        }
        guard digits > 0 else { return isNonFiniteWord(bytes, index..<end) ? .notFinite : .invalid }
        if index < end, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            var exponentDigits = 0
            while index < end, isDigit(bytes[index]) {
                index += 1
                exponentDigits += 1
            }
            guard exponentDigits > 0 else { return .invalid }
        }
        guard index == end, let base = bytes.baseAddress else { return .invalid }
        let start = UnsafeRawPointer(base + range.lowerBound).assumingMemoryBound(to: CChar.self)
        var stop: UnsafeMutablePointer<CChar>?
        let value = strtod(start, &stop)
        guard let stop, UnsafePointer(stop) == start + range.count else { return .invalid }
        return value.isFinite ? .finite(value) : .notFinite
    }

    /// Whether the bytes spell nan, inf or infinity (any case), the words Python's `float()` accepts.
    private static func isNonFiniteWord(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard range.count >= 3, range.count <= 8 else { return false }
        let word = String(decoding: bytes[range], as: UTF8.self).lowercased()
        return word == "nan" || word == "inf" || word == "infinity"
    }

    /// Runs `body` on the UTF-8 bytes of `text` followed by a NUL, the form `real` needs.
    static func withTerminatedBytes<Result>(
        of text: String, _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Result
    ) rethrows -> Result {
        var bytes = Array(text.utf8)
        let count = bytes.count
        bytes.append(0)
        return try bytes.withUnsafeBufferPointer { try body($0, count) }
    }

    /// The ranges of the tokens of `bytes[0..<count]` separated by whitespace or commas (Python's
    /// `re.findall(r'[^\s,]+', value)`, which ASE uses to split info values).
    static func infoTokens(_ bytes: UnsafeBufferPointer<UInt8>, count: Int) -> [Range<Int>] {
        var tokens: [Range<Int>] = []
        var index = 0
        while index < count {
            while index < count, isSpace(bytes[index]) || bytes[index] == UInt8(ascii: ",") { index += 1 }
            let start = index
            while index < count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: ",") { index += 1 }
            if index > start { tokens.append(start..<index) }
        }
        return tokens
    }
}

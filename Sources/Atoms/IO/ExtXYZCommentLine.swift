// SwiftMACE, MIT licence.
// The extxyz comment line: key=value pairs split and typed as ASE's `key_val_str_to_dict` does
// (ase/io/extxyz.py, ASE 3.29), including quoting, escapes, bare keys and `_JSON` values.

import Foundation
import Support

/// Parses the second line of an extxyz frame into typed info values.
enum ExtXYZCommentLine {
    /// Splits a comment line into `(key, value)` pairs in order; a bare key has a `nil` value (meaning True).
    ///
    /// Mirrors ASE's character loop: whitespace separates pairs, `=` separates key and value (spaces around
    /// it are allowed, further `=` stay in the value), `"…"`, `'…'`, `{…}` and `[…]` group text, and a
    /// backslash takes the next byte literally. Two deliberate differences: an empty quoted value (`a=""`)
    /// ends its pair, where ASE glues the next pair onto it, and an unclosed quote or bracket is an error.
    static func pairs(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, location: InputLocation
    ) throws -> [(key: String, value: String?)] {
        // Each pair is a list of parts: the key, then one part per '=' that followed it.
        var pairs: [[[UInt8]]] = [[[]]]
        // Whether the current part has content or an opened quote, so `a=""` still counts as a value.
        var partStarted = false
        var closing: UInt8?
        var opening: UInt8 = 0
        var escaped = false
        for index in range {
            let byte = bytes[index]
            let last = pairs.count - 1
            if escaped {
                pairs[last][pairs[last].count - 1].append(byte)
                partStarted = true
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if let delimiter = closing {
                if byte == delimiter {
                    closing = nil
                } else {
                    pairs[last][pairs[last].count - 1].append(byte)
                }
            } else if let delimiter = Self.closingDelimiter(for: byte) {
                closing = delimiter
                opening = byte
                partStarted = true
            } else if ExtXYZNumbers.isSpace(byte) {
                if partStarted { pairs.append([[]]) }
                partStarted = false
            } else if byte == UInt8(ascii: "=") {
                if pairs[last].count == 1, pairs[last][0].isEmpty, !partStarted {
                    pairs.removeLast()
                }
                guard !pairs.isEmpty else {
                    throw AtomsError.malformed(location, found: "=", expected: "a key before '='")
                }
                pairs[pairs.count - 1].append([])
                partStarted = false
            } else {
                pairs[last][pairs[last].count - 1].append(byte)
                partStarted = true
            }
        }
        if closing != nil {
            let quote = String(UnicodeScalar(opening))
            throw AtomsError.malformed(
                location, found: "unclosed \(quote)", expected: "a closing \(String(UnicodeScalar(closing ?? 0)))")
        }
        var result: [(key: String, value: String?)] = []
        for pair in pairs where !(pair.count == 1 && pair[0].isEmpty) {
            let key = String(decoding: pair[0], as: UTF8.self)
            guard !key.isEmpty else {
                throw AtomsError.malformed(location, found: "an empty key", expected: "a key before '='")
            }
            guard pair.count > 1 else {
                result.append((key, nil))
                continue
            }
            let value = pair[1...].map { String(decoding: $0, as: UTF8.self) }.joined(separator: "=")
            result.append((key, value))
        }
        return result
    }

    /// Parses a whole comment line into ordered info values.
    static func info(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, location: InputLocation
    ) throws -> OrderedFields<InfoValue> {
        var info = OrderedFields<InfoValue>()
        for (key, text) in try pairs(bytes, range, location: location) {
            info[key] = try value(of: text, key: key, location: location)
        }
        return info
    }

    /// Types one value as ASE does: numbers first (all integers → int(s), else all reals → double(s)), then
    /// booleans (T, F, True, False, true, false, TRUE, FALSE), then `_JSON …`, else the text itself.
    /// A bare key (`nil`) is `true`. The key `uid` (any case) is always kept as text.
    static func value(of text: String?, key: String, location: InputLocation) throws -> InfoValue {
        guard let text else { return .bool(true) }
        if key.lowercased() == "uid" { return .string(text) }
        let typed = try ExtXYZNumbers.withTerminatedBytes(of: text) { bytes, count -> InfoValue? in
            let tokens = ExtXYZNumbers.infoTokens(bytes, count: count)
            if let numbers = try numbers(bytes, tokens, key: key, location: location) { return numbers }
            return booleans(bytes, tokens)
        }
        if let typed { return typed }
        if text.hasPrefix("_JSON ") {
            let json = String(text.dropFirst("_JSON ".count))
            guard (try? JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)) != nil
            else {
                throw AtomsError.malformed(location.key(key), found: json, expected: "valid JSON after '_JSON '")
            }
            return .json(json)
        }
        return .string(text)
    }

    private static func numbers(
        _ bytes: UnsafeBufferPointer<UInt8>, _ tokens: [Range<Int>], key: String, location: InputLocation
    ) throws -> InfoValue? {
        var integers: [Int] = []
        integers.reserveCapacity(tokens.count)
        for token in tokens {
            guard let value = ExtXYZNumbers.integer(bytes, token) else { break }
            integers.append(value)
        }
        if integers.count == tokens.count {
            return integers.count == 1 ? .int(integers[0]) : .ints(integers)
        }
        var reals: [Double] = []
        reals.reserveCapacity(tokens.count)
        for token in tokens {
            switch ExtXYZNumbers.real(bytes, token) {
            case .finite(let value): reals.append(value)
            case .invalid: return nil
            case .notFinite:
                // Only an all-numeric value is numeric data; a NaN there is an error, not text.
                guard tokens.allSatisfy({ if case .invalid = ExtXYZNumbers.real(bytes, $0) { false } else { true } })
                else { return nil }
                throw AtomsError.notFinite(
                    location.key(key), found: String(decoding: bytes[token], as: UTF8.self))
            }
        }
        return reals.count == 1 ? .double(reals[0]) : .doubles(reals)
    }

    private static func booleans(_ bytes: UnsafeBufferPointer<UInt8>, _ tokens: [Range<Int>]) -> InfoValue? {
        var values: [Bool] = []
        for token in tokens {
            guard let value = boolean(bytes, token) else { return nil }
            values.append(value)
        }
        return values.count == 1 ? .bool(values[0]) : .bools(values)
    }

    /// ASE's info booleans: T, F, True, False, true, false, TRUE, FALSE.
    static func boolean(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool? {
        switch String(decoding: bytes[range], as: UTF8.self) {
        case "T", "True", "true", "TRUE": true
        case "F", "False", "false", "FALSE": false
        default: nil
        }
    }

    private static func closingDelimiter(for byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "'"): UInt8(ascii: "'")
        case UInt8(ascii: "{"): UInt8(ascii: "}")
        case UInt8(ascii: "["): UInt8(ascii: "]")
        default: nil
        }
    }
}

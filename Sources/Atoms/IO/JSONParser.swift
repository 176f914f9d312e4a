// SwiftMACE, MIT licence.
// JSONParser: a strict RFC 8259 parser into JSONValue. Numbers go through Double(String), which rounds
// correctly (Linux JSONSerialization can be off by one unit in the last place); nesting depth is bounded.

import Support

/// Parses JSON text into a `JSONValue`.
package struct JSONParser {
    /// The deepest nesting accepted, so hostile input cannot exhaust the stack.
    static let maximumDepth = 256

    private let bytes: [UInt8]
    private let file: String
    private var index = 0

    /// Parses a whole document.
    /// - Throws: `AtomsError` naming the file and line of the first syntax error.
    package static func parse(_ bytes: [UInt8], file: String) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes, file: file)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw parser.failure(expected: "the end of the JSON document") }
        return value
    }

    private init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    private func failure(expected: String) -> AtomsError {
        let line = bytes[..<min(index, bytes.count)].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        let rest = bytes[min(index, bytes.count)...].prefix(16)
        // Shown as ASCII, with '?' for anything unprintable, since the input may not be text at all.
        let printable = rest.map { (0x20..<0x7F).contains($0) ? Character(Unicode.Scalar($0)) : "?" }
        let found = rest.isEmpty ? "end of file" : String(printable)
        return AtomsError.malformed(InputLocation(file: file, line: line), found: found, expected: expected)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func literal(_ text: String, _ value: JSONValue) throws -> JSONValue {
        let utf8 = Array(text.utf8)
        guard bytes.count - index >= utf8.count, bytes[index..<index + utf8.count].elementsEqual(utf8) else {
            throw failure(expected: "a JSON value")
        }
        index += utf8.count
        return value
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        skipSpace()
        guard depth < Self.maximumDepth else { throw failure(expected: "nesting at most \(Self.maximumDepth) deep") }
        switch current {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try number()
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        index += 1
        var elements: [JSONValue] = []
        skipSpace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try value(depth: depth + 1))
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default: throw failure(expected: "',' or ']' in an array")
            }
        }
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        index += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\"") else { throw failure(expected: "a quoted key in an object") }
            let key = try string()
            skipSpace()
            guard current == UInt8(ascii: ":") else { throw failure(expected: "':' after an object key") }
            index += 1
            members[key] = try value(depth: depth + 1)
            skipSpace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(members)
            default: throw failure(expected: "',' or '}' in an object")
            }
        }
    }

    private mutating func string() throws -> String {
        index += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = index
        // Unescaped runs are decoded as UTF-8 in one piece; escapes are handled one by one.
        func flush(_ end: Int) {
            scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars)
        }
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                flush(index)
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(index)
                index += 1
                scalars.append(try escape())
                runStart = index
            case 0..<0x20:
                throw failure(expected: "no control characters inside a string")
            default:
                index += 1
            }
        }
        throw failure(expected: "a closing '\"'")
    }

    private mutating func escape() throws -> Unicode.Scalar {
        guard let byte = current else { throw failure(expected: "an escape sequence") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try hex4()
            if (0xD800..<0xDC00).contains(high), current == UInt8(ascii: "\\"),
                index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
            {
                index += 2
                let low = try hex4()
                if (0xDC00..<0xE000).contains(low),
                    let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                {
                    return scalar
                }
                throw failure(expected: "a low surrogate after a high surrogate")
            }
            guard let scalar = Unicode.Scalar(high) else { throw failure(expected: "a valid \\u escape") }
            return scalar
        default:
            index -= 1
            throw failure(expected: "a valid escape sequence")
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - index >= 4 else { throw failure(expected: "four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = current.flatMap({ Int(String(Unicode.Scalar($0)), radix: 16) }) else {
                throw failure(expected: "four hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// A number in JSON's grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
    private mutating func number() throws -> JSONValue {
        let start = index
        var isInteger = true
        if current == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = digits()
        guard integerDigits > 0 else { throw failure(expected: "a JSON value") }
        guard integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else {
            index = start
            throw failure(expected: "a number without leading zeros")
        }
        if current == UInt8(ascii: ".") {
            index += 1
            isInteger = false
            guard digits() > 0 else { throw failure(expected: "digits after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            isInteger = false
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw failure(expected: "digits in the exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let integer = Int(text) { return .int(integer) }
        guard let real = Double(text) else { throw failure(expected: "a number") }
        return .double(real)
    }

    private mutating func digits() -> Int {
        let start = index
        while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
        return index - start
    }
}

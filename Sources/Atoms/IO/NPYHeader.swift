// SwiftMACE, MIT licence.
// NPYHeader: the Python-literal dictionary at the start of an `.npy` file
// (`{'descr': '<f8', 'fortran_order': False, 'shape': (5, 9, 3), }`), parsed strictly.

import Support

/// The three fields of an npy header: dtype string, memory order and shape.
struct NPYHeader: Equatable {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// Parses the header dictionary.
    /// - Throws: `AtomsError` at `location` naming the offending text or the missing key.
    static func parse(_ text: [UInt8], at location: InputLocation) throws -> NPYHeader {
        var scanner = Scanner(bytes: text, location: location)
        var fields: [String: Value] = [:]
        try scanner.expect(UInt8(ascii: "{"))
        while true {
            scanner.skipSpace()
            if scanner.consume(UInt8(ascii: "}")) { break }
            let key = try scanner.string()
            try scanner.expect(UInt8(ascii: ":"))
            fields[key] = try scanner.value()
            scanner.skipSpace()
            if scanner.consume(UInt8(ascii: ",")) { continue }
            try scanner.expect(UInt8(ascii: "}"))
            break
        }
        scanner.skipSpace()
        guard scanner.atEnd else { throw scanner.failure(expected: "the end of the npy header after '}'") }

        let expected = "npy header keys 'descr', 'fortran_order' and 'shape'"
        guard let descrValue = fields["descr"] else {
            throw AtomsError.missingKey(location, key: "descr", expected: expected)
        }
        guard let orderValue = fields["fortran_order"] else {
            throw AtomsError.missingKey(location, key: "fortran_order", expected: expected)
        }
        guard let shapeValue = fields["shape"] else {
            throw AtomsError.missingKey(location, key: "shape", expected: expected)
        }
        guard case .string(let descr) = descrValue else {
            throw AtomsError.unsupportedFormat(
                location, reason: "structured dtype; only plain numeric and unicode arrays are supported")
        }
        guard case .bool(let fortranOrder) = orderValue else {
            throw AtomsError.malformed(location, found: "fortran_order \(orderValue)", expected: "True or False")
        }
        guard case .tuple(let shape) = shapeValue else {
            throw AtomsError.malformed(location, found: "shape \(shapeValue)", expected: "a tuple of integers")
        }
        return NPYHeader(descr: descr, fortranOrder: fortranOrder, shape: shape)
    }

    /// A header value: the only kinds numpy writes for a plain array.
    enum Value: CustomStringConvertible {
        case string(String)
        case bool(Bool)
        case tuple([Int])
        /// A list: numpy's descr of a structured dtype, kept only to say it is unsupported.
        case list

        var description: String {
            switch self {
            case .string(let s): "'\(s)'"
            case .bool(let b): b ? "True" : "False"
            case .tuple(let t): NPYArray.describe(shape: t)
            case .list: "[...]"
            }
        }
    }

    /// A cursor over the header bytes.
    private struct Scanner {
        let bytes: [UInt8]
        let location: InputLocation
        var index = 0

        init(bytes: [UInt8], location: InputLocation) {
            self.bytes = bytes
            self.location = location
        }

        var atEnd: Bool { index >= bytes.count }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func expect(_ byte: UInt8) throws {
            skipSpace()
            guard consume(byte) else { throw failure(expected: "'\(Character(Unicode.Scalar(byte)))' in the npy header") }
        }

        func failure(expected: String) -> AtomsError {
            let rest = bytes[min(index, bytes.count)...].prefix(20)
            let found = rest.isEmpty ? "end of header" : String(decoding: rest, as: UTF8.self)
            return AtomsError.malformed(location, found: found, expected: expected)
        }

        mutating func string() throws -> String {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "'") || bytes[index] == UInt8(ascii: "\"") else {
                throw failure(expected: "a quoted string in the npy header")
            }
            let quote = bytes[index]
            let start = index + 1
            guard let end = bytes[start...].firstIndex(of: quote) else {
                throw failure(expected: "a closing quote in the npy header")
            }
            index = end + 1
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        mutating func value() throws -> Value {
            skipSpace()
            guard index < bytes.count else { throw failure(expected: "a value in the npy header") }
            switch bytes[index] {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "("): return .tuple(try tuple())
            case UInt8(ascii: "["): return try skipList()
            default:
                if word("True") { return .bool(true) }
                if word("False") { return .bool(false) }
                throw failure(expected: "a string, True, False or a tuple in the npy header")
            }
        }

        private mutating func word(_ text: String) -> Bool {
            let utf8 = Array(text.utf8)
            guard bytes.count - index >= utf8.count, Array(bytes[index..<index + utf8.count]) == utf8 else {
                return false
            }
            index += utf8.count
            return true
        }

        private mutating func tuple() throws -> [Int] {
            index += 1  // "("
            var items: [Int] = []
            while true {
                skipSpace()
                if consume(UInt8(ascii: ")")) { return items }
                items.append(try integer())
                skipSpace()
                if consume(UInt8(ascii: ",")) { continue }
                try expect(UInt8(ascii: ")"))
                return items
            }
        }

        /// A non-negative dimension; Python 2 files may end it with `L`.
        private mutating func integer() throws -> Int {
            let start = index
            var value = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int(bytes[index] - 0x30))
                guard !overflow1, !overflow2 else { throw failure(expected: "a dimension that fits in 64 bits") }
                value = sum
                index += 1
            }
            guard index > start else { throw failure(expected: "a non-negative integer dimension") }
            _ = consume(UInt8(ascii: "L"))
            return value
        }

        /// Skips a bracketed list (a structured dtype), respecting nesting and quotes.
        private mutating func skipList() throws -> Value {
            var depth = 0
            var quote: UInt8?
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if let open = quote {
                    if byte == open { quote = nil }
                } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                    quote = byte
                } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "(") {
                    depth += 1
                } else if byte == UInt8(ascii: "]") || byte == UInt8(ascii: ")") {
                    depth -= 1
                    if depth == 0 { return .list }
                }
            }
            throw failure(expected: "a closing ']' in the npy header")
        }
    }
}

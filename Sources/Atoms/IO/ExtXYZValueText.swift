// SwiftMACE, MIT licence.
// Text forms of extxyz values: numbers in shortest round-trip form, booleans as T/F, and quoting with
// backslash escapes, so that ASE and ExtXYZReader read back exactly what was written.

/// Formats info values and tokens the way the extxyz writer puts them in a file.
enum ExtXYZValueText {
    /// The shortest text that reads back as the same Double (Swift's description: "1.0", "1e-05", "-0.0");
    /// it always holds '.' or 'e', so ASE and ExtXYZReader read it as a real, never as an integer.
    static func real(_ value: Double) -> String { "\(value)" }

    static func logical(_ value: Bool) -> String { value ? "T" : "F" }

    /// The value's text before quoting: numbers and booleans space-separated, JSON with its `_JSON ` prefix.
    static func text(of value: InfoValue) -> String {
        switch value {
        case .string(let text): text
        case .bool(let flag): logical(flag)
        case .int(let number): String(number)
        case .double(let number): real(number)
        case .ints(let numbers): numbers.map(String.init).joined(separator: " ")
        case .doubles(let numbers): numbers.map(real).joined(separator: " ")
        case .bools(let flags): flags.map(logical).joined(separator: " ")
        case .strings(let texts): "_JSON " + json(texts)
        case .json(let text): "_JSON " + text
        }
    }

    /// Text as it appears in the comment line: bare when it has no whitespace, quote, bracket, brace,
    /// backslash or '=', otherwise in double quotes with `"` and `\` escaped by a backslash.
    static func quoted(_ text: String) -> String {
        let needsQuotes = text.isEmpty || text.utf8.contains { byte in
            ExtXYZNumbers.isSpace(byte) || specialBytes.contains(byte)
        }
        guard needsQuotes else { return text }
        var result = "\""
        for character in text.unicodeScalars {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.unicodeScalars.append(character)
        }
        return result + "\""
    }

    private static let specialBytes: Set<UInt8> = Set("\"'{}[]\\=".utf8)

    /// A list of strings as a JSON array (the form ASE writes for a list of strings).
    private static func json(_ texts: [String]) -> String {
        "[" + texts.map(jsonString).joined(separator: ", ") + "]"
    }

    private static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}

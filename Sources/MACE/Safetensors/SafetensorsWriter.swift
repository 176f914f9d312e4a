// SwiftMACE, MIT licence.
// SafetensorsWriter: writes tensors and string metadata as a safetensors file, atomically (temporary file,
// fsync, rename), for trained models and checkpoints.

import Foundation
import Support

/// Writes safetensors files that `SafetensorsFile` (and the Python `safetensors` package) read back.
public enum SafetensorsWriter {
    /// The file bytes: header length, JSON header padded with spaces to a multiple of 8, data in `tensors` order.
    public static func encode(tensors: [(name: String, tensor: SafetensorsTensor)], metadata: [String: String]) -> [UInt8] {
        var entries: [String] = []
        if !metadata.isEmpty {
            let members = metadata.sorted { $0.key < $1.key }.map { "\(quoted($0.key)):\(quoted($0.value))" }
            entries.append("\"__metadata__\":{\(members.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in tensors {
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(quoted(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(offset + tensor.bytes.count)]}")
            offset += tensor.bytes.count
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        bytes.reserveCapacity(8 + header.count + offset)
        bytes += header
        for (_, tensor) in tensors { bytes += tensor.bytes }
        return bytes
    }

    /// Writes the file atomically. - Throws: `FileWriteError` naming the path.
    public static func write(
        tensors: [(name: String, tensor: SafetensorsTensor)], metadata: [String: String], to url: URL
    ) throws {
        try AtomicFile.write(Data(encode(tensors: tensors, metadata: metadata)), to: url.path)
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

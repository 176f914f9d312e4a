// SwiftMACE, MIT licence.
// NPYParser: decodes the bytes of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0) into an NPYArray.
// Format: numpy/lib/format.py. Only little-endian, C-order arrays of plain dtypes are accepted.

import Foundation
import Support

/// Parses NumPy `.npy` files.
public enum NPYParser {
    /// The magic string every npy file starts with.
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads an `.npy` file.
    /// - Throws: `AtomsError` naming the file when it cannot be read or is not a supported npy array.
    public static func array(contentsOf url: URL) throws -> NPYArray {
        let location = InputLocation(file: url.relativePath)
        return try parse(try readBytes(of: url, at: location), at: location)
    }

    /// Parses the bytes of an `.npy` file.
    ///
    /// Supported dtypes: `<f8`, `<f4` (as `Double`), `<i8`, `<i4`, `<i2`, `|i1`, `<u8`, `<u4`, `<u2`, `|u1`,
    /// `|b1` (as `Int`) and `<U…` (as `String`); `=` is read as `<`, the byte order of every supported machine.
    /// - Parameter location: where the bytes came from (file, and npz member key), for messages.
    /// - Throws: `AtomsError` for a bad magic or version, a malformed header, a big-endian or unsupported dtype,
    ///   Fortran order, or array data shorter or longer than the shape says.
    public static func parse(_ bytes: [UInt8], at location: InputLocation) throws -> NPYArray {
        guard bytes.count >= 8, Array(bytes[0..<6]) == magic else {
            throw AtomsError.unsupportedFormat(
                location, reason: "not an npy array (it does not start with the magic bytes '\\x93NUMPY')")
        }
        let major = bytes[6]
        let minor = bytes[7]
        let headerStart: Int
        let headerLength: Int
        switch (major, minor) {
        case (1, 0):
            headerStart = 10
            guard let length = bytes.littleEndian(UInt16.self, at: 8) else {
                throw AtomsError.truncated(location, expected: "the npy header length")
            }
            headerLength = Int(length)
        case (2, 0), (3, 0):
            headerStart = 12
            guard let length = bytes.littleEndian(UInt32.self, at: 8) else {
                throw AtomsError.truncated(location, expected: "the npy header length")
            }
            headerLength = Int(length)
        default:
            throw AtomsError.unsupportedFormat(
                location, reason: "npy format version \(major).\(minor); supported: 1.0, 2.0, 3.0")
        }
        guard bytes.contains(offset: headerStart, length: headerLength) else {
            throw AtomsError.truncated(
                location, expected: "an npy header of \(headerLength) bytes; found \(bytes.count - headerStart)")
        }
        let header = try NPYHeader.parse(Array(bytes[headerStart..<headerStart + headerLength]), at: location)
        if header.fortranOrder {
            throw AtomsError.unsupportedFormat(
                location, reason: "fortran_order is True; only C-order arrays are supported")
        }
        let dtype = try NPYDType(descr: header.descr, at: location)

        // Sizes are checked for overflow and against the bytes present before anything is allocated.
        var count = 1
        for dimension in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw AtomsError.malformed(
                    location, found: "shape \(NPYArray.describe(shape: header.shape))",
                    expected: "a shape whose size fits in memory")
            }
            count = product
        }
        let dataStart = headerStart + headerLength
        let available = bytes.count - dataStart
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
        let shapeText = "shape \(NPYArray.describe(shape: header.shape)) of '\(header.descr)'"
        if overflow || needed > available {
            throw AtomsError.truncated(
                location,
                expected: "\(overflow ? "more than \(Int.max)" : "\(needed)") bytes of array data for \(shapeText); "
                    + "found \(available)")
        }
        if needed < available {
            throw AtomsError.shapeMismatch(
                location, found: "\(available) bytes of array data", expected: "\(needed) bytes for \(shapeText)")
        }
        let values = try bytes.withUnsafeBytes { raw in
            try dtype.decode(UnsafeRawBufferPointer(rebasing: raw[dataStart...]), count: count, at: location)
        }
        return NPYArray(shape: header.shape, descr: header.descr, values: values)
    }

    /// The bytes of a file, with a located error when it cannot be read.
    static func readBytes(of url: URL, at location: InputLocation) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "no such file or not readable"
            throw AtomsError.cannotRead(location, reason: reason)
        }
    }
}

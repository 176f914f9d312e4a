// SwiftMACE, MIT licence.
// NPYArray: one array read from a NumPy `.npy` file or `.npz` member: its shape, dtype and values (C order).

import Support

/// A NumPy array as read from an `.npy` file: shape, dtype and values in C (row-major) order.
///
/// Floating-point dtypes (`<f8`, `<f4`) become `Double`, integer and boolean dtypes (`<i8`, `<i4`, `|i1`,
/// `|u1`, `|b1`) become `Int` (booleans as 0/1), fixed-width unicode (`<U…`) becomes `String`.
public struct NPYArray: Sendable, Hashable {
    /// The values, flattened in C order: element `(i, j, k)` of shape `(a, b, c)` is at `(i * b + j) * c + k`.
    public enum Values: Sendable, Hashable {
        case reals([Double])
        case integers([Int])
        case strings([String])

        public var count: Int {
            switch self {
            case .reals(let v): v.count
            case .integers(let v): v.count
            case .strings(let v): v.count
            }
        }
    }

    /// The dimensions; `[]` for a 0-d (scalar) array.
    public var shape: [Int]
    /// NumPy's dtype string as it appeared in the header, e.g. `<f8`.
    public var descr: String
    public var values: Values

    public init(shape: [Int], descr: String, values: Values) {
        self.shape = shape
        self.descr = descr
        self.values = values
    }

    /// The number of elements (the product of the shape).
    public var count: Int { values.count }

    /// The shape in Python's notation, `(5, 9, 3)` or `(5,)`, for messages.
    public var shapeDescription: String { NPYArray.describe(shape: shape) }

    /// The values as real numbers (integers converted), every one finite.
    /// - Throws: `AtomsError` at `location` when the array holds strings or a NaN/infinite value.
    public func finiteReals(at location: InputLocation) throws -> [Double] {
        switch values {
        case .reals(let reals):
            if let bad = reals.first(where: { !$0.isFinite }) {
                throw AtomsError.notFinite(location, found: "\(bad)")
            }
            return reals
        case .integers(let integers):
            return integers.map(Double.init)
        case .strings:
            throw AtomsError.malformed(location, found: "dtype '\(descr)'", expected: "a numeric array")
        }
    }

    /// The values as integers.
    /// - Throws: `AtomsError` at `location` when the array holds reals or strings.
    public func integers(at location: InputLocation) throws -> [Int] {
        guard case .integers(let integers) = values else {
            throw AtomsError.malformed(location, found: "dtype '\(descr)'", expected: "an integer array")
        }
        return integers
    }

    /// The single string of a 0-d or one-element string array, or `nil` when the array is anything else.
    public var singleString: String? {
        guard case .strings(let strings) = values, strings.count == 1 else { return nil }
        return strings[0]
    }

    static func describe(shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}

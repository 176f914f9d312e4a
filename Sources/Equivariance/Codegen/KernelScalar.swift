// SwiftMACE, MIT licence.
// KernelScalar: the floating-point type a generated kernel stores and accumulates in; HalfStorage: a 16-bit type some
// float32 kernels' operands are stored in; and the exact hexadecimal literals that carry float64 constants into
// generated CUDA C++.

/// The storage and accumulation type of a generated kernel instantiation.
public enum KernelScalar: String, Sendable, Hashable, CaseIterable {
    case float32, float64

    /// The CUDA C++ type name.
    public var cudaType: String { self == .float32 ? "float" : "double" }
    /// The suffix of the `extern "C"` entry point instantiated for this type.
    public var suffix: String { self == .float32 ? "f32" : "f64" }
    /// Bytes per element.
    public var byteSize: Int { self == .float32 ? 4 : 8 }
}

/// A 16-bit storage type for operands of float32 kernels: values are widened to float32 on load and rounded to
/// nearest even on store; all arithmetic stays float32.
public enum HalfStorage: String, Sendable, Hashable, CaseIterable {
    case bfloat16, float16

    /// The CUDA C++ type name (a 16-bit struct of the generated prelude, ``GeneratedModule/prelude``).
    public var cudaType: String { self == .bfloat16 ? "swiftmace_bf16" : "swiftmace_fp16" }
    /// The suffix added to a float32 entry point's name for this storage.
    public var suffix: String { self == .bfloat16 ? "bf16" : "f16" }

    /// The 16-bit pattern of `value` rounded to nearest even (NaN stays NaN), as the kernels' `swiftmace_store`.
    public func bits(_ value: Double) -> UInt16 {
        let single = Float(value)
        switch self {
        case .float16:
            return Float16(single).bitPattern
        case .bfloat16:
            let u = single.bitPattern
            if single.isNaN { return 0x7FC0 }
            return UInt16(truncatingIfNeeded: (u &+ 0x7FFF &+ ((u >> 16) & 1)) >> 16)
        }
    }

    /// The value a 16-bit pattern stands for.
    public func value(_ bits: UInt16) -> Double {
        switch self {
        case .float16: Double(Float(Float16(bitPattern: bits)))
        case .bfloat16: Double(Float(bitPattern: UInt32(bits) << 16))
        }
    }
}

/// Literals for generated CUDA C++.
public enum CUDALiteral {
    /// The exact C99 hexadecimal form of `value`, e.g. `0x1.8p-1` for 0.75, `-0x1p+0` for -1, `0x0p+0` for 0.
    /// Written from the bit pattern (not `printf`), so the text is the same on every platform; generated code
    /// wraps it as `T(literal)`, which the compiler rounds once to float for float32 kernels.
    public static func hex(_ value: Double) -> String {
        let sign = value.sign == .minus ? "-" : ""
        let magnitude = abs(value)
        if magnitude == 0 { return sign + "0x0p+0" }
        var significand = magnitude.significandBitPattern
        var exponent = Int(magnitude.exponentBitPattern) - 1023
        var lead = "1"
        if magnitude.exponentBitPattern == 0 {
            lead = "0"
            exponent = -1022
        }
        var digits = ""
        while significand != 0 && digits.count < 13 {
            let digit = Int((significand >> 48) & 0xF)
            digits.append(Character(String(digit, radix: 16)))
            significand = (significand << 4) & ((1 << 52) - 1)
        }
        let fraction = digits.isEmpty ? "" : "." + digits
        return "\(sign)0x\(lead)\(fraction)p\(exponent >= 0 ? "+" : "")\(exponent)"
    }
}

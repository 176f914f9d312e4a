// SwiftMACE, MIT licence.
// The precision policy of `swiftmace bench` and `swiftmace eval` from `--precision` and the older `--dtype` (which
// names float64 or float32 and stays valid), checked against the device.

import ArgumentParser
import MACECUDA

enum PrecisionOption {
    /// The policy `--precision` names, else the one `--dtype` names, else `fallback`.
    /// - Throws: `ValidationError` for an unknown name, a `--dtype` other than float64/float32, a `--dtype` that
    ///   contradicts `--precision`, or a policy the CPU cannot run on `--device cpu`.
    static func resolve(precision: String?, dtype: String?, device: String, fallback: PrecisionPolicy) throws
        -> PrecisionPolicy
    {
        if let dtype, !["float64", "float32"].contains(dtype) {
            throw ValidationError("--dtype must be 'float64' or 'float32'; got '\(dtype)'")
        }
        var policy = fallback
        if let precision {
            do {
                policy = try PrecisionPolicy(name: precision)
            } catch {
                throw ValidationError("--precision: \(error)")
            }
            if let dtype, dtype != policy.dtype.rawValue {
                throw ValidationError(
                    "--dtype \(dtype) contradicts --precision \(policy.rawValue), which runs \(policy.dtype); "
                        + "give --precision alone")
            }
        } else if let dtype, let named = PrecisionPolicy(rawValue: dtype) {
            policy = named
        }
        if device == "cpu" && !policy.runsOnCPU {
            throw ValidationError(
                "--precision \(policy.rawValue) runs only with --device cuda; the CPU runs float64 and float32")
        }
        return policy
    }
}

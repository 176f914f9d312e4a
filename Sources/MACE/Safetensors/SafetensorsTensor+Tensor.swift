// SwiftMACE, MIT licence.
// Conversions between safetensors entries and `Tensor`s (float64, float32, int32), used by model files and training
// checkpoints alike.

import Tensors

extension SafetensorsTensor {
    /// The contents of a float64, float32 or int32 tensor, stored in its own dtype.
    /// - Throws: `TensorError.unsupported` for other dtypes.
    public init(_ tensor: Tensor) throws {
        switch tensor.dtype {
        case .float64: self.init(float64: tensor.toArray(), shape: tensor.shape)
        case .float32: self.init(float32: tensor.toFloatArray(), shape: tensor.shape)
        case .int32:
            let values = tensor.toInt32Array()
            self.init(
                dtype: .int32, shape: tensor.shape,
                bytes: values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } })
        default: throw TensorError.unsupported("safetensors storage of \(tensor.dtype) tensors")
        }
    }

    /// The entry as a tensor of its own dtype: F64 → float64, F32 → float32, I32 → int32.
    /// - Throws: `TensorError.unsupported` for other dtypes.
    public func tensor() throws -> Tensor {
        switch dtype {
        case .float64: return try Tensor(doubles(), shape: shape, dtype: .float64)
        case .float32: return try Tensor(float32: doubles().map(Float.init), shape: shape)
        case .int32: return try Tensor(int32: integers().map { Int32(truncatingIfNeeded: $0) }, shape: shape)
        default: throw TensorError.unsupported("safetensors \(dtype.rawValue) entries as tensors")
        }
    }
}

// SwiftMACE, MIT licence.
// ModelWeights: the tensors of a model file as `Tensor`s of the evaluation dtype, looked up by mace name with their
// shape checked; sparse U matrices densified (docs/MODEL_FORMAT.md §2).

import Tensors

/// Named weights of one model file, converted to one float dtype.
struct ModelWeights {
    let file: SafetensorsFile
    let dtype: DType
    let sparseTensors: [String: MACEConfig.SparseTensor]

    /// The float tensor `key` with shape `shape`, in `dtype`.
    /// - Throws: `ModelError.missingTensor`, `.shapeMismatch`, `.malformedTensor` (not a float tensor, NaN or ∞,
    ///   bad sparse form).
    func tensor(_ key: String, shape: [Int]) throws -> Tensor {
        let (values, found) = try floats(key)
        guard found == shape else { throw ModelError.shapeMismatch(file: file.file, key: key, found: found, expected: shape) }
        return try Tensor(values, shape: shape, dtype: dtype)
    }

    /// The values of the float tensor `key` as Double and its shape.
    func floats(_ key: String) throws -> (values: [Double], shape: [Int]) {
        if let sparse = sparseTensors[key] { return (try densified(key, sparse), sparse.shape) }
        let tensor = try file.tensor(key)
        guard tensor.dtype.isFloatingPoint else {
            throw ModelError.malformedTensor(file: file.file, key: key, reason: "dtype \(tensor.dtype.rawValue); expected F64 or F32")
        }
        let values = tensor.doubles()
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ModelError.malformedTensor(file: file.file, key: key, reason: "element \(bad) is \(values[bad]); expected a finite number")
        }
        return (values, tensor.shape)
    }

    /// `dense = zeros(prod(shape)); dense[indices] = values`.
    private func densified(_ key: String, _ sparse: MACEConfig.SparseTensor) throws -> [Double] {
        let (indices, values) = try sparseEntries(key, sparse)
        var dense = [Double](repeating: 0, count: sparse.shape.reduce(1, *))
        for (index, value) in zip(indices, values) { dense[index] = value }
        return dense
    }

    /// The indices (checked strictly ascending and inside the shape) and values of a sparse tensor.
    private func sparseEntries(_ key: String, _ sparse: MACEConfig.SparseTensor) throws -> (indices: [Int], values: [Double]) {
        func failure(_ reason: String) -> ModelError { .malformedTensor(file: file.file, key: key, reason: reason) }
        var count = 1
        for size in sparse.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, product <= 1 << 31 else { throw failure("sparse shape \(sparse.shape) is too large") }
            count = product
        }
        let indexTensor = try file.tensor(sparse.indices)
        guard indexTensor.dtype == .int32 || indexTensor.dtype == .int64 else {
            throw ModelError.malformedTensor(file: file.file, key: sparse.indices,
                                             reason: "dtype \(indexTensor.dtype.rawValue); expected I32 or I64")
        }
        let indices = indexTensor.integers()
        let values = try floats(sparse.values).values
        guard indices.count == values.count else {
            throw failure("\(indices.count) sparse indices but \(values.count) values")
        }
        var previous = -1
        for index in indices {
            guard index > previous, index < count else {
                throw failure("sparse index \(index) is out of order or outside 0..<\(count)")
            }
            previous = index
        }
        return (indices, values)
    }
}

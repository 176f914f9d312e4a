// SwiftMACE, MIT licence.
// Writing a model file: the tensors and `swiftmace_config` of the file the model came from, with the trainable
// parameters replaced by the current values (docs/MODEL_FORMAT.md), so `eval` and every loader read it.

import Foundation
import Support
import Tensors

extension MACEModel {
    /// The model file bytes: the source file's buffers and config, the current parameters in the file's float dtype.
    public func fileBytes() -> [UInt8] {
        let current = Dictionary(uniqueKeysWithValues: zip(parameterNames, parameterValues))
        let float32 = config.fileDType == "float32"
        let tensors = sourceFile.tensors.sorted { $0.key < $1.key }.map { name, stored -> (name: String, tensor: SafetensorsTensor) in
            guard let value = current[name] else { return (name, stored) }
            let values = value.toArray()
            return (name, float32 ? SafetensorsTensor(float32: values.map(Float.init), shape: value.shape)
                              : SafetensorsTensor(float64: values, shape: value.shape))
        }
        return SafetensorsWriter.encode(tensors: tensors, metadata: sourceFile.metadata)
    }

    /// Writes `fileBytes()` atomically to `url`. - Throws: `FileWriteError` naming the path.
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(fileBytes()), to: url.path)
    }
}

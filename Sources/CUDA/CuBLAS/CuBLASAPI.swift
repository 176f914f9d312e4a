// SwiftMACE, MIT licence.
// CuBLASAPI: cuBLAS loaded with dlopen (versioned names first) and the entry points for GEMM, as `@convention(c)`
// function values; the enum values are written out from cublas_api.h and library_types.h.

import Foundation

/// The cuBLAS entry points this backend calls.
struct CuBLASAPI: @unchecked Sendable {
    typealias Status = Int32
    typealias Handle = OpaquePointer

    let cublasCreate: @convention(c) (UnsafeMutablePointer<Handle?>) -> Status
    let cublasDestroy: @convention(c) (Handle?) -> Status
    let cublasGetVersion: @convention(c) (Handle?, UnsafeMutablePointer<Int32>) -> Status
    let cublasSetStream: @convention(c) (Handle?, OpaquePointer?) -> Status
    let cublasSetMathMode: @convention(c) (Handle?, Int32) -> Status
    let cublasGemmEx: @convention(c) (
        Handle?, Int32, Int32, Int32, Int32, Int32, UnsafeRawPointer, UnsafeRawPointer?, Int32, Int32,
        UnsafeRawPointer?, Int32, Int32, UnsafeRawPointer, UnsafeMutableRawPointer?, Int32, Int32, Int32, Int32
    ) -> Status
    let cublasGemmStridedBatchedEx: @convention(c) (
        Handle?, Int32, Int32, Int32, Int32, Int32, UnsafeRawPointer, UnsafeRawPointer?, Int32, Int32, Int64,
        UnsafeRawPointer?, Int32, Int32, Int64, UnsafeRawPointer, UnsafeMutableRawPointer?, Int32, Int32, Int64,
        Int32, Int32, Int32
    ) -> Status
    let cublasGetStatusName: (@convention(c) (Status) -> UnsafePointer<CChar>?)?

    /// cuBLAS sonames, newest first. cuBLASLt is loaded first (libcublas needs it) from the same versions.
    static let candidates = ["libcublas.so.13", "libcublas.so.12", "libcublas.so"]
    static let ltCandidates = ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"]

    /// `CUBLAS_GEMM_DEFAULT`: let cuBLAS pick the algorithm.
    static let gemmDefaultAlgorithm: Int32 = -1
    /// `CUBLAS_DEFAULT_MATH`: the compute type alone decides whether tensor-core shortcuts (TF32) are allowed.
    static let defaultMath: Int32 = 0

    /// Loads cuBLAS.
    /// - Throws: `CUDAError.libraryNotFound` listing the names tried; `CUDAError.missingSymbol`.
    static func load() throws -> CuBLASAPI {
        // libcublas finds libcublasLt through its own dependency list; opening it first only makes the failure
        // message name the library that is really missing.
        if case .failure = DynamicLibrary.open(firstOf: ltCandidates) {
            throw CUDAError.libraryNotFound(library: "cuBLASLt", tried: ltCandidates)
        }
        switch DynamicLibrary.open(firstOf: candidates) {
        case .success(let library): return try CuBLASAPI(library)
        case .failure: throw CUDAError.libraryNotFound(library: "cuBLAS", tried: candidates)
        }
    }

    private init(_ l: DynamicLibrary) throws {
        cublasCreate = try l.function("cublasCreate_v2")
        cublasDestroy = try l.function("cublasDestroy_v2")
        cublasGetVersion = try l.function("cublasGetVersion_v2")
        cublasSetStream = try l.function("cublasSetStream_v2")
        cublasSetMathMode = try l.function("cublasSetMathMode")
        cublasGemmEx = try l.function("cublasGemmEx")
        cublasGemmStridedBatchedEx = try l.function("cublasGemmStridedBatchedEx")
        cublasGetStatusName = l.optionalFunction("cublasGetStatusName")
    }

    /// Throws `CUDAError.cublas` naming `call` when `status` is not `CUBLAS_STATUS_SUCCESS`.
    func check(_ status: Status, _ call: String) throws {
        guard status != 0 else { return }
        let name = cublasGetStatusName?(status).map { String(cString: $0) } ?? "CUBLAS_STATUS_\(status)"
        throw CUDAError.cublas(call: call, code: status, name: name)
    }
}

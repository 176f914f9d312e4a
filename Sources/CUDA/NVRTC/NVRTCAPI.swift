// SwiftMACE, MIT licence.
// NVRTCAPI: NVRTC (CUDA's run-time compiler) loaded with dlopen from the usual places, and its entry points as
// `@convention(c)` function values.

import Foundation

/// The NVRTC entry points this backend calls.
struct NVRTCAPI: @unchecked Sendable {
    typealias Program = OpaquePointer
    typealias Result = Int32

    let nvrtcVersion: @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Result
    let nvrtcCreateProgram: @convention(c) (
        UnsafeMutablePointer<Program?>, UnsafePointer<CChar>, UnsafePointer<CChar>?, Int32,
        UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?
    ) -> Result
    let nvrtcCompileProgram: @convention(c) (Program?, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Result
    let nvrtcGetProgramLogSize: @convention(c) (Program?, UnsafeMutablePointer<Int>) -> Result
    let nvrtcGetProgramLog: @convention(c) (Program?, UnsafeMutablePointer<CChar>) -> Result
    let nvrtcGetCUBINSize: @convention(c) (Program?, UnsafeMutablePointer<Int>) -> Result
    let nvrtcGetCUBIN: @convention(c) (Program?, UnsafeMutablePointer<CChar>) -> Result
    let nvrtcDestroyProgram: @convention(c) (UnsafeMutablePointer<Program?>) -> Result
    let nvrtcGetErrorString: @convention(c) (Result) -> UnsafePointer<CChar>?

    /// `NVRTC_ERROR_COMPILATION`: the source has errors; the log says which.
    static let errorCompilation: Result = 6

    /// Where NVRTC is looked for, in order: versioned sonames (13, 12), the unversioned name, the toolkit's default
    /// folder, and `$CUDA_HOME/lib64`.
    static func candidates(environment: [String: String]) -> [String] {
        var names = [
            "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so", "/usr/local/cuda/targets/x86_64-linux/lib/libnvrtc.so",
        ]
        if let home = environment["CUDA_HOME"], !home.isEmpty { names.append(home + "/lib64/libnvrtc.so") }
        return names
    }

    /// Loads NVRTC from the first candidate that opens.
    /// - Throws: `CUDAError.libraryNotFound` listing every name tried; `CUDAError.missingSymbol`.
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> NVRTCAPI {
        let names = candidates(environment: environment)
        switch DynamicLibrary.open(firstOf: names) {
        case .success(let library): return try NVRTCAPI(library)
        case .failure: throw CUDAError.libraryNotFound(library: "NVRTC", tried: names)
        }
    }

    private init(_ l: DynamicLibrary) throws {
        nvrtcVersion = try l.function("nvrtcVersion")
        nvrtcCreateProgram = try l.function("nvrtcCreateProgram")
        nvrtcCompileProgram = try l.function("nvrtcCompileProgram")
        nvrtcGetProgramLogSize = try l.function("nvrtcGetProgramLogSize")
        nvrtcGetProgramLog = try l.function("nvrtcGetProgramLog")
        nvrtcGetCUBINSize = try l.function("nvrtcGetCUBINSize")
        nvrtcGetCUBIN = try l.function("nvrtcGetCUBIN")
        nvrtcDestroyProgram = try l.function("nvrtcDestroyProgram")
        nvrtcGetErrorString = try l.function("nvrtcGetErrorString")
    }

    /// Throws `CUDAError.nvrtc` naming `call` when `result` is not `NVRTC_SUCCESS`.
    func check(_ result: Result, _ call: String) throws {
        guard result != 0 else { return }
        throw CUDAError.nvrtc(
            call: call, code: result, message: nvrtcGetErrorString(result).map { String(cString: $0) } ?? "unknown")
    }
}

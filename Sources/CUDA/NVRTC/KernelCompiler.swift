// SwiftMACE, MIT licence.
// KernelSource (CUDA C source, program name, extra options) and KernelCompiler (source → CUBIN for one
// architecture); `KernelCompiler.nvrtc` compiles with NVRTC, tests inject a closure instead.

import Foundation

/// CUDA C++ source for one program. Kernels meant to be looked up by name are declared `extern "C"`.
public struct KernelSource: Sendable, Hashable {
    /// Program name, used in compiler messages and dumped file names, e.g. "axpy.cu".
    public var name: String
    /// The CUDA C++ source text.
    public var code: String
    /// Options beyond the compiler's standard ones, e.g. ["-lineinfo", "--use_fast_math"].
    public var options: [String]

    public init(name: String, code: String, options: [String] = []) {
        self.name = name
        self.code = code
        self.options = options
    }
}

/// Compiles `KernelSource` to a binary image for one architecture.
public struct KernelCompiler: Sendable {
    /// Names the compiler and its version, e.g. "nvrtc 13.0"; part of the cache key, so a new compiler never
    /// reuses an old compiler's output.
    public let identity: String
    /// Target architecture, e.g. "sm_90".
    public let architecture: String
    private let compileImage: @Sendable (KernelSource, [String]) throws -> [UInt8]

    /// A compiler from a closure that receives the source and the full option list (standard options first).
    public init(
        identity: String, architecture: String,
        compile: @escaping @Sendable (_ source: KernelSource, _ options: [String]) throws -> [UInt8]
    ) {
        self.identity = identity
        self.architecture = architecture
        compileImage = compile
    }

    /// Options every compile gets: a CUBIN for exactly `architecture`, device code by default, C++17.
    public var standardOptions: [String] {
        ["--gpu-architecture=\(architecture)", "-default-device", "--std=c++17"]
    }

    /// The full option list for `source`: standard options, then the source's own.
    public func options(for source: KernelSource) -> [String] { standardOptions + source.options }

    /// Compiles `source`.
    /// - Throws: `CUDAError.compilation(log:)` with the compiler's full log when the source has errors.
    public func compile(_ source: KernelSource) throws -> [UInt8] {
        try compileImage(source, options(for: source))
    }

    /// NVRTC, loaded at run time (no build-time dependency), producing CUBIN for `architecture`.
    /// - Throws: `CUDAError.libraryNotFound` when NVRTC is not installed, `CUDAError.nvrtc` when a call fails.
    public static func nvrtc(
        architecture: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> KernelCompiler {
        let api = try NVRTCAPI.load(environment: environment)
        var major: Int32 = 0
        var minor: Int32 = 0
        try api.check(api.nvrtcVersion(&major, &minor), "nvrtcVersion")
        return KernelCompiler(identity: "nvrtc \(major).\(minor)", architecture: architecture) { source, options in
            try compileWithNVRTC(api: api, source: source, options: options)
        }
    }

    private static func compileWithNVRTC(api: NVRTCAPI, source: KernelSource, options: [String]) throws -> [UInt8] {
        var program: NVRTCAPI.Program?
        try api.check(api.nvrtcCreateProgram(&program, source.code, source.name, 0, nil, nil), "nvrtcCreateProgram")
        defer { _ = api.nvrtcDestroyProgram(&program) }
        let copies = options.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) }
        let result = pointers.withUnsafeBufferPointer { api.nvrtcCompileProgram(program, Int32(options.count), $0.baseAddress) }
        if result == NVRTCAPI.errorCompilation {
            let log = (try? programLog(api: api, program: program)) ?? "(no log)"
            throw CUDAError.compilation(log: "\(source.name) (options: \(options.joined(separator: " "))):\n\(log)")
        }
        try api.check(result, "nvrtcCompileProgram(\(source.name))")
        var size = 0
        try api.check(api.nvrtcGetCUBINSize(program, &size), "nvrtcGetCUBINSize")
        var image = [CChar](repeating: 0, count: size)
        try api.check(api.nvrtcGetCUBIN(program, &image), "nvrtcGetCUBIN")
        return image.map { UInt8(bitPattern: $0) }
    }

    private static func programLog(api: NVRTCAPI, program: NVRTCAPI.Program?) throws -> String {
        var size = 0
        try api.check(api.nvrtcGetProgramLogSize(program, &size), "nvrtcGetProgramLogSize")
        var log = [CChar](repeating: 0, count: max(size, 1))
        try api.check(api.nvrtcGetProgramLog(program, &log), "nvrtcGetProgramLog")
        return String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

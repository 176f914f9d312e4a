// SwiftMACE, MIT licence.
// Compiling and loading kernels on a context: an NVRTC kernel cache for the context's device, and source → module.

import Foundation

extension KernelCache {
    /// A cache whose compiler is NVRTC targeting `context`'s device (e.g. sm_90 on an H100), with the folders
    /// the environment names (`SWIFTMACE_KERNEL_CACHE`, `SWIFTMACE_DUMP_KERNELS`).
    /// - Throws: `CUDAError.libraryNotFound` when NVRTC is not installed.
    public convenience init(
        context: CUDAContext, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        let compiler = try KernelCompiler.nvrtc(architecture: context.device.architecture, environment: environment)
        self.init(compiler: compiler, environment: environment)
    }
}

extension CUDAContext {
    /// Compiles `source` through `cache` (or takes it from there) and loads it.
    /// - Throws: `CUDAError.compilation(log:)` for bad source, `CUDAError.driver` when the image does not load.
    public func loadModule(_ source: KernelSource, cache: KernelCache) throws -> CUDAModule {
        try CUDAModule(context: self, image: cache.image(for: source).image)
    }
}

// SwiftMACE, MIT licence.
// DynamicLibrary: dlopen a shared library at run time and look up typed C symbols, so the package needs no CUDA
// headers or libraries at build time.

import Foundation

/// A shared library opened with `dlopen`, kept open for the life of the process.
final class DynamicLibrary: @unchecked Sendable {
    /// The name that opened it (for messages).
    let name: String
    private let handle: UnsafeMutableRawPointer

    private init(name: String, handle: UnsafeMutableRawPointer) {
        self.name = name
        self.handle = handle
    }

    /// Opens the first of `candidates` that loads.
    /// - Returns: the library, or the `dlerror()` text of each failed try, in order.
    static func open(firstOf candidates: [String]) -> Result<DynamicLibrary, OpenFailure> {
        var reasons: [String] = []
        for candidate in candidates {
            if let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) {
                return .success(DynamicLibrary(name: candidate, handle: handle))
            }
            reasons.append(dlerror().map { String(cString: $0) } ?? "\(candidate): cannot be loaded")
        }
        return .failure(OpenFailure(tried: candidates, reasons: reasons))
    }

    /// Looks up `symbol` and views it as the C function type `T`.
    /// - Throws: `CUDAError.missingSymbol` when the library lacks it.
    func function<T>(_ symbol: String, as type: T.Type = T.self) throws -> T {
        guard let address = dlsym(handle, symbol) else {
            throw CUDAError.missingSymbol(library: name, symbol: symbol)
        }
        return unsafeBitCast(address, to: T.self)
    }

    /// Looks up `symbol`, or nil when absent (optional entry points of newer versions).
    func optionalFunction<T>(_ symbol: String, as type: T.Type = T.self) -> T? {
        dlsym(handle, symbol).map { unsafeBitCast($0, to: T.self) }
    }

    /// Why no candidate loaded.
    struct OpenFailure: Error {
        let tried: [String]
        let reasons: [String]
    }
}

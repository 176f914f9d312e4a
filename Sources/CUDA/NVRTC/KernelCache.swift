// SwiftMACE, MIT licence.
// KernelCache: compiled kernels kept in memory and on disk, keyed by the SHA-256 of source, options, architecture
// and compiler version; files are written atomically and checked by digest when read. Optionally dumps sources.

import Foundation
import Support

/// Compiled kernel images, cached in memory and (optionally) in a folder.
///
/// A file `<key>.cubin` holds a header line, the SHA-256 of the image, then the image; a file that fails the check
/// (truncated, corrupt, another format) is recompiled and rewritten. Writes go through `AtomicFile`, so concurrent
/// processes never read half a file. A folder that cannot be written does not fail compiles: the problem is kept
/// in `warnings`.
public final class KernelCache: @unchecked Sendable {
    /// Where an image came from.
    public enum Origin: String, Sendable {
        case memory, disk, compiled
    }

    /// The compiler behind the cache (its identity and architecture are part of every key).
    public let compiler: KernelCompiler
    /// The on-disk cache folder, or nil for memory only.
    public let directory: String?
    /// Where sources are dumped for reading (`SWIFTMACE_DUMP_KERNELS`), or nil.
    public let dumpDirectory: String?

    private let lock = NSLock()
    private var images: [String: [UInt8]] = [:]
    private var problems: [String] = []

    private static let fileHeader = Array("SWIFTMACE-KERNEL 1\n".utf8)
    private static let digestLength = 32

    /// Creates a cache over `compiler`.
    /// - Parameters:
    ///   - directory: cache folder (created on first write), or nil for an in-memory cache.
    ///   - dumpDirectory: folder to write each compiled or loaded source into, or nil.
    public init(compiler: KernelCompiler, directory: String?, dumpDirectory: String? = nil) {
        self.compiler = compiler
        self.directory = directory
        self.dumpDirectory = dumpDirectory
    }

    /// A cache using the folders the environment names: `SWIFTMACE_KERNEL_CACHE` (else `~/.cache/swiftmace/kernels`)
    /// and `SWIFTMACE_DUMP_KERNELS`.
    public convenience init(
        compiler: KernelCompiler, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        let dump = environment["SWIFTMACE_DUMP_KERNELS"].flatMap { $0.isEmpty ? nil : $0 }
        self.init(compiler: compiler, directory: Self.defaultDirectory(environment: environment), dumpDirectory: dump)
    }

    /// `$SWIFTMACE_KERNEL_CACHE`, else `$HOME/.cache/swiftmace/kernels`, else nil (memory only).
    public static func defaultDirectory(environment: [String: String]) -> String? {
        if let path = environment["SWIFTMACE_KERNEL_CACHE"], !path.isEmpty { return path }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/swiftmace/kernels" }
        return nil
    }

    /// The cache key of `source`: 64 hex digits of SHA-256 over a versioned, length-prefixed encoding of the
    /// compiler identity, architecture, full option list, program name and code.
    public func key(for source: KernelSource) -> String {
        var bytes: [UInt8] = []
        func field(_ text: String) {
            let utf8 = Array(text.utf8)
            bytes += Array("\(utf8.count):".utf8) + utf8
        }
        field("swiftmace kernel cache v1")
        field(compiler.identity)
        field(compiler.architecture)
        let options = compiler.options(for: source)
        field(String(options.count))
        options.forEach(field)
        field(source.name)
        field(source.code)
        return SHA256.hexDigest(bytes)
    }

    /// The path of the cached file for `key`, or nil without a folder.
    public func path(forKey key: String) -> String? {
        directory.map { $0 + "/" + key + ".cubin" }
    }

    /// Problems met while writing cache or dump files (the compiles themselves succeeded).
    public var warnings: [String] {
        lock.lock()
        defer { lock.unlock() }
        return problems
    }

    /// The compiled image of `source`: from memory, else from disk, else compiled (and stored in both).
    /// - Throws: the compiler's error (`CUDAError.compilation(log:)` with the full log for bad source).
    public func image(for source: KernelSource) throws -> (image: [UInt8], origin: Origin) {
        let key = key(for: source)
        lock.lock()
        let cached = images[key]
        lock.unlock()
        if let cached { return (cached, .memory) }
        dump(source, key: key)
        if let path = path(forKey: key), let image = Self.readImage(path: path) {
            remember(image, key: key)
            return (image, .disk)
        }
        let image = try compiler.compile(source)
        remember(image, key: key)
        if let path = path(forKey: key) { store(image, path: path) }
        return (image, .compiled)
    }

    /// The file content stored for `image`: header, SHA-256 of the image, image.
    static func fileContent(for image: [UInt8]) -> [UInt8] {
        fileHeader + SHA256.digest(image) + image
    }

    /// The image in a cache file, or nil when the file is absent or fails the header or digest check.
    static func readImage(path: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        let prefix = fileHeader.count + digestLength
        guard bytes.count >= prefix, Array(bytes[0..<fileHeader.count]) == fileHeader else { return nil }
        let image = Array(bytes[prefix...])
        guard SHA256.digest(image) == Array(bytes[fileHeader.count..<prefix]) else { return nil }
        return image
    }

    private func remember(_ image: [UInt8], key: String) {
        lock.lock()
        images[key] = image
        lock.unlock()
    }

    private func store(_ image: [UInt8], path: String) {
        do {
            try createFolder(directory)
            try AtomicFile.write(Data(Self.fileContent(for: image)), to: path)
        } catch {
            warn("kernel cache not written: \(error)")
        }
    }

    private func dump(_ source: KernelSource, key: String) {
        guard let dumpDirectory else { return }
        let name = source.name.hasSuffix(".cu") ? String(source.name.dropLast(3)) : source.name
        // Program names become file names: keep letters, digits, '.', '_' and '-' only.
        let stem = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        let path = dumpDirectory + "/" + stem + "-" + key.prefix(16) + ".cu"
        let text = "// \(source.name), key \(key)\n// options: \(compiler.options(for: source).joined(separator: " "))\n"
            + source.code
        do {
            try createFolder(dumpDirectory)
            try AtomicFile.write(text, to: path)
        } catch {
            warn("kernel source not dumped: \(error)")
        }
    }

    private func createFolder(_ path: String?) throws {
        guard let path else { return }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CUDAError.kernelCache(path: path, reason: "cannot create folder: \(error.localizedDescription)")
        }
    }

    private func warn(_ message: String) {
        lock.lock()
        problems.append(message)
        lock.unlock()
    }
}

// SwiftMACE, MIT licence.
// Whether this machine can run the GPU tests (a driver and a device), and why not, for visible skip reasons.

@testable import CUDA

enum GPUAvailability {
    /// Whether libcuda.so.1 loads.
    static let driverLoads: Bool = (try? DriverAPI.load()) != nil

    /// The shared context, or nil when there is no usable GPU.
    static let context: CUDAContext? = try? CUDAContext.shared()
}

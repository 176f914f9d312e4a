// SwiftMACE, MIT licence.
// The no-driver path: loading a missing driver library gives CUDAError.noDriver with dlerror's text, and
// CUDAContext.shared() fails with it on machines without the NVIDIA driver.

import Testing

@testable import CUDA

@Suite struct DriverAPITests {
    @Test func missingDriverLibraryGivesNoDriverWithDlerrorText() {
        #expect(throws: CUDAError.noDriver(
            reason: "libswiftmace-no-such-driver.so.1: cannot open shared object file: No such file or directory")) {
            _ = try DriverAPI.load(libraryName: "libswiftmace-no-such-driver.so.1")
        }
    }

    @Test func noDriverMessageSaysWhatToDo() {
        let error = CUDAError.noDriver(reason: "libcuda.so.1: cannot open shared object file: No such file or directory")
        #expect(error.description == "CUDA driver not available: libcuda.so.1: cannot open shared object file: "
            + "No such file or directory. Install the NVIDIA driver or run on a GPU machine.")
    }

    @Test(.enabled(if: !GPUAvailability.driverLoads, "this machine has a CUDA driver"))
    func sharedContextThrowsNoDriverWithoutDriver() {
        #expect(throws: CUDAError.noDriver(
            reason: "libcuda.so.1: cannot open shared object file: No such file or directory")) {
            _ = try CUDAContext.shared()
        }
    }

    @Test func driverErrorsNameCallAndCode() {
        let error = CUDAError.driver(
            call: "cuMemAlloc_v2(1024 bytes)", code: 2, name: "CUDA_ERROR_OUT_OF_MEMORY", message: "out of memory")
        #expect(error.description == "cuMemAlloc_v2(1024 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (2): out of memory")
    }

    @Test func missingLibrariesListEveryNameTried() {
        let names = NVRTCAPI.candidates(environment: ["CUDA_HOME": "/opt/cuda"])
        #expect(names == [
            "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so", "/usr/local/cuda/targets/x86_64-linux/lib/libnvrtc.so",
            "/opt/cuda/lib64/libnvrtc.so",
        ])
        #expect(CUDAError.libraryNotFound(library: "NVRTC", tried: ["a.so", "b.so"]).description
            == "NVRTC not found; tried a.so, b.so")
    }
}

// swift-tools-version:6.0
// SwiftMACE: the MACE interatomic potential in Swift. Targets are layers, imported downward only
// (docs/ARCHITECTURE.md): Support < Tensors < CUDA < Equivariance < Atoms < MACE < Training < swiftmace;
// EquivarianceCUDA (generated equivariant kernels at run time) imports CUDA and Equivariance; MACECUDA (the model
// on the GPU: energy + forces with a hand-written reverse pass) imports CUDA, EquivarianceCUDA and MACE.
// CUDA loads the NVIDIA libraries at run time only: nothing here needs CUDA to build.
import PackageDescription

let package = Package(
    name: "SwiftMACE",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swiftmace", targets: ["swiftmace"]),
        .library(name: "Atoms", targets: ["Atoms"]),
        .library(name: "Equivariance", targets: ["Equivariance"]),
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "CUDA", targets: ["CUDA"]),
        .library(name: "MACE", targets: ["MACE"]),
        .library(name: "Training", targets: ["Training"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        .target(name: "Support", exclude: ["README.md"]),
        .target(name: "Tensors", dependencies: ["Support"], exclude: ["README.md"]),
        .target(name: "CUDA", dependencies: ["Support", "Tensors"], exclude: ["README.md"]),
        .target(name: "Equivariance", dependencies: ["Support", "Tensors"], exclude: ["README.md"]),
        .target(name: "Atoms", dependencies: ["Support"], exclude: ["README.md"]),
        .target(name: "EquivarianceCUDA", dependencies: ["CUDA", "Equivariance"], exclude: ["README.md"]),
        .target(
            name: "MACE", dependencies: ["Support", "Tensors", "Equivariance", "Atoms"], exclude: ["README.md"]),
        .target(
            name: "MACECUDA", dependencies: ["Support", "Tensors", "CUDA", "Equivariance", "EquivarianceCUDA", "Atoms", "MACE"],
            exclude: ["README.md"]),
        .target(
            name: "Training",
            dependencies: [
                "Support", "Tensors", "Atoms", "Equivariance", "MACE", .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["README.md"]),
        .executableTarget(
            name: "swiftmace",
            dependencies: [
                "Support", "Atoms", "Equivariance", "Tensors", "CUDA", "EquivarianceCUDA", "MACE", "MACECUDA", "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "swiftmace-benchmarks",
            dependencies: ["Support", "Atoms", "Equivariance", "Tensors", "CUDA", "EquivarianceCUDA", "MACE"],
            path: "Benchmarks", exclude: ["baselines"]),
        .target(name: "TestSupport", dependencies: ["Support", "Atoms", "Tensors", "MACE"]),
        .testTarget(name: "SupportTests", dependencies: ["Support", "TestSupport"]),
        .testTarget(name: "AtomsTests", dependencies: ["Atoms", "Support", "TestSupport"]),
        .testTarget(name: "EquivarianceTests", dependencies: ["Equivariance", "Tensors", "TestSupport"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"]),
        .testTarget(name: "CUDATests", dependencies: ["CUDA", "Support", "Tensors", "TestSupport"]),
        .testTarget(name: "MACETests", dependencies: ["MACE", "Atoms", "Tensors", "Equivariance", "TestSupport"]),
        .testTarget(name: "MACECUDATests", dependencies: ["MACECUDA", "MACE", "Atoms", "TestSupport"]),
        .testTarget(
            name: "TrainingTests", dependencies: ["Training", "MACE", "Tensors", "Atoms", "Support", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["swiftmace", "TestSupport"]),
    ]
)

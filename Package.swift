// swift-tools-version:6.0
// SwiftMACE: the MACE interatomic potential in Swift. Targets are layers, imported downward only
// (docs/ARCHITECTURE.md): Support < Tensors < Equivariance < Atoms < swiftmace.
import PackageDescription

let package = Package(
    name: "SwiftMACE",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swiftmace", targets: ["swiftmace"]),
        .library(name: "Atoms", targets: ["Atoms"]),
        .library(name: "Equivariance", targets: ["Equivariance"]),
        .library(name: "Tensors", targets: ["Tensors"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "Support", exclude: ["README.md"]),
        .target(name: "Tensors", dependencies: ["Support"], exclude: ["README.md"]),
        .target(name: "Equivariance", dependencies: ["Support", "Tensors"], exclude: ["README.md"]),
        .target(name: "Atoms", dependencies: ["Support"], exclude: ["README.md"]),
        .executableTarget(
            name: "swiftmace",
            dependencies: [
                "Support", "Atoms", "Equivariance",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "swiftmace-benchmarks", dependencies: ["Support", "Atoms", "Equivariance", "Tensors"],
            path: "Benchmarks"),
        .target(name: "TestSupport", dependencies: ["Support", "Atoms", "Tensors"]),
        .testTarget(name: "SupportTests", dependencies: ["Support", "TestSupport"]),
        .testTarget(name: "AtomsTests", dependencies: ["Atoms", "Support", "TestSupport"]),
        .testTarget(name: "EquivarianceTests", dependencies: ["Equivariance", "Tensors", "TestSupport"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["swiftmace", "TestSupport"]),
    ]
)

// swift-tools-version:6.0
// SwiftMACE: the MACE interatomic potential in Swift. Targets are layers, imported downward only
// (docs/ARCHITECTURE.md): Support < Equivariance < Atoms < swiftmace.
import PackageDescription

let package = Package(
    name: "SwiftMACE",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swiftmace", targets: ["swiftmace"]),
        .library(name: "Atoms", targets: ["Atoms"]),
        .library(name: "Equivariance", targets: ["Equivariance"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "Support"),
        .target(name: "Equivariance", dependencies: ["Support"]),
        .target(name: "Atoms", dependencies: ["Support"]),
        .executableTarget(
            name: "swiftmace",
            dependencies: [
                "Support", "Atoms", "Equivariance",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "swiftmace-benchmarks", dependencies: ["Support", "Atoms", "Equivariance"],
            path: "Benchmarks", exclude: ["baselines"]),
        .target(name: "TestSupport", dependencies: ["Support", "Atoms"]),
        .testTarget(name: "SupportTests", dependencies: ["Support", "TestSupport"]),
        .testTarget(name: "AtomsTests", dependencies: ["Atoms", "Support", "TestSupport"]),
        .testTarget(name: "EquivarianceTests", dependencies: ["Equivariance", "TestSupport"]),
    ]
)

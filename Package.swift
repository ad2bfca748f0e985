// swift-tools-version:6.0
import PackageDescription

// Dependencies run one way:
//   schemac (CLI) → SchemacCore → SchemacLoader → SchemacModel → SchemacDiagnostics
//                              ↘ SchemacPostgres → SchemacMigrate → SchemacModel
//                              ↘ SchemacClickHouse → SchemacMigrate, SchemacModel
//                              ↘ SchemacClickHouseDriver (Foundation's URL loading: the HTTP interface)
//                              ↘ SchemacSwift → SchemacModel
//                              ↘ SchemacRedis → SchemacModel
//                              ↘ SchemacPostgresDriver → CLibPQ (libpq-dev)
//                              ↘ SchemacRedisDriver → CLibHiredis (libhiredis-dev)
// SchemacModel → CLibCrypto (libssl-dev, which libpq-dev depends on)
// SchemacMigrate is the engine-neutral plan every engine's planner produces.
// Only SchemacLoader imports Yams; only SchemacModel's Digests imports libcrypto
// (OpenSSL, through CLibCrypto: the SHA-1 and SHA-256 every engine names things by);
// only SchemacPostgresDriver imports libpq,
// only SchemacRedisDriver hiredis; only the executable imports ArgumentParser,
// and it imports no driver: it parses arguments and prints what SchemacCore returns.
let package = Package(
    name: "schemac",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "schemac", targets: ["schemac"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "SchemacDiagnostics"),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "SchemacModel", dependencies: ["SchemacDiagnostics", "CLibCrypto"]),
        .target(name: "SchemacLoader", dependencies: [
            "SchemacDiagnostics", "SchemacModel",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "SchemacMigrate", dependencies: ["SchemacModel"]),
        .target(name: "SchemacPostgres", dependencies: ["SchemacModel", "SchemacMigrate"]),
        .target(name: "SchemacClickHouse", dependencies: ["SchemacModel", "SchemacMigrate"]),
        .target(name: "SchemacSwift", dependencies: ["SchemacModel"]),
        .target(name: "SchemacRedis", dependencies: ["SchemacModel"]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "SchemacPostgresDriver", dependencies: ["CLibPQ"]),
        .systemLibrary(name: "CLibHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .target(name: "SchemacRedisDriver", dependencies: ["CLibHiredis"]),
        .target(name: "SchemacClickHouseDriver"),
        .target(name: "SchemacCore", dependencies: [
            "SchemacDiagnostics", "SchemacModel", "SchemacMigrate", "SchemacLoader", "SchemacPostgres", "SchemacPostgresDriver", "SchemacClickHouse",
            "SchemacSwift", "SchemacRedis", "SchemacRedisDriver", "SchemacClickHouseDriver",
        ]),
        .executableTarget(name: "schemac", dependencies: [
            "SchemacCore", "SchemacLoader", "SchemacDiagnostics", "SchemacModel", "SchemacMigrate", "SchemacPostgres", "SchemacRedis",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The Swift types of the bundled definitions, as `schemac generate`
        // writes them: `swift build` compiles what application code would.
        .target(name: "PlatformSchema", path: "generated/swift/PlatformSchema"),
        .testTarget(name: "SchemacTests", dependencies: [
            "SchemacCore", "SchemacLoader", "SchemacModel", "SchemacMigrate", "SchemacPostgres", "SchemacDiagnostics", "SchemacPostgresDriver",
            "SchemacClickHouse", "SchemacSwift", "PlatformSchema", "SchemacRedis", "SchemacRedisDriver", "SchemacClickHouseDriver",
        ]),
    ]
)

import Foundation
import SchemacClickHouse
import SchemacClickHouseDriver
import SchemacCore
import SchemacModel
import XCTest

/// Random ClickHouse schemas, random edits of the kinds ALTER can make, real
/// rows, on the engine: the plan must run, a second plan must be empty, the
/// catalog must equal a fresh build of the edited schema, and every table
/// that stays keeps its rows. `SCHEMAC_CH_PROPERTY_SEEDS` sets how many seeds
/// (default 25); a failure names its seed, and `SCHEMAC_CH_PROPERTY_SEED=N`
/// runs just that one.
final class ClickHouseRandomEditTests: XCTestCase {
    /// The fuzz tests' generator, with the draws these edits make.
    struct Random: RandomNumberGenerator {
        var base: FuzzTests.SplitMix64
        init(state: UInt64) { base = FuzzTests.SplitMix64(state: state) }
        mutating func next() -> UInt64 { base.next() }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func chance(_ percent: Int) -> Bool { int(1...100) <= percent }
        mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }
    }

    static let types: [ClickHouseType] = [.plain("UInt8"), .plain("UInt32"), .plain("UInt64"), .plain("Int32"), .plain("Float64"),
                                          .plain("String"), .lowCardinality(.plain("String")), .plain("Date"), .nullable(.plain("String")),
                                          .array(.plain("String"))]
    /// Types a column may change to in place, every value converting.
    static let widenings: [ClickHouseType: [ClickHouseType]] = [
        .plain("UInt8"): [.plain("UInt32"), .plain("UInt64"), .plain("Int32")], .plain("UInt32"): [.plain("UInt64")],
        .plain("Int32"): [.plain("Int64")], .plain("String"): [.lowCardinality(.plain("String"))],
        .lowCardinality(.plain("String")): [.plain("String")], .plain("Float32"): [.plain("Float64")],
    ]

    static func column(_ name: String, _ r: inout Random) -> ClickHouseColumn {
        var c = ClickHouseColumn(name: name, type: r.pick(types))
        if r.chance(25), case .plain(let t) = c.type, t.hasPrefix("UInt") {
            c.defaultKind = .default
            c.defaultExpression = String(r.int(0...9))
        }
        if r.chance(25) { c.codec = r.pick(["ZSTD(1)", "ZSTD(3)", "LZ4", "LZ4HC"]) }
        if r.chance(20) { c.comment = r.pick(["a column", "it's here", "kept | shown"]) }
        if r.chance(15) { c.ttl = "at + INTERVAL \(r.int(30...90)) DAY" }
        return c
    }

    static func table(_ name: String, _ r: inout Random) -> ClickHouseTable {
        var t = ClickHouseTable(name: name, columns: [ClickHouseColumn(name: "k", type: .plain("String")), ClickHouseColumn(name: "at", type: .plain("DateTime"))])
        for i in 0..<r.int(1...4) { t.columns.append(column("c\(i)", &r)) }
        t.orderBy = ["k", "at"]
        if r.chance(40) { t.partitionBy = "toYYYYMM(at)" }
        if r.chance(40) { t.ttl = [ClickHouseTTLRule(expression: "at + INTERVAL \(r.int(100...400)) DAY")] }
        if r.chance(30) { t.settings = [ClickHouseSetting(name: "merge_with_ttl_timeout", value: String(r.int(3600...7200)))] }
        if r.chance(30) { t.indexes = [ClickHouseSkipIndex(name: "k_bf", expression: "k", type: "bloom_filter", granularity: r.int(1...4))] }
        if r.chance(30) { t.comment = "table \(name)" }
        if r.chance(25) { t.projections = [ClickHouseProjection(name: "by_k", select: "SELECT k, count() GROUP BY k")] }
        return t
    }

    /// A rollup of t0 fed by a materialized view, in half the schemas.
    static func rollup(_ schema: inout ClickHouseSchema, _ r: inout Random) {
        guard r.chance(50), schema.tables.first?.name == "t0" else { return }
        schema.tables.append(ClickHouseTable(name: "rollup", columns: [ClickHouseColumn(name: "k", type: .plain("String")),
                                                                     ClickHouseColumn(name: "n", type: .plain("UInt64"))],
                                             engine: .summingMergeTree(columns: ["n"]), orderBy: ["k"]))
        schema.materializedViews.append(ClickHouseMaterializedView(name: "t0_rollup", to: "rollup", select: "SELECT k, count() AS n FROM t0 GROUP BY k"))
    }

    /// One edit ALTER can make, on a table of `schema`.
    static func edit(_ schema: inout ClickHouseSchema, _ r: inout Random, serial: inout Int) {
        guard !schema.tables.isEmpty else { return }
        if !schema.materializedViews.isEmpty, r.chance(20) {
            var v = schema.materializedViews[0]
            if r.chance(50) {
                v.select = v.select.contains("count()") ? "SELECT k, sum(toUInt64(1)) AS n FROM t0 WHERE k != '' GROUP BY k"
                    : "SELECT k, count() AS n FROM t0 GROUP BY k"
            } else {
                v.comment = v.comment == nil ? "rolled up" : nil
            }
            schema.materializedViews[0] = v
            return
        }
        // The tables a view reads or writes stay.
        let held = Set(schema.materializedViews.flatMap { ["t0", $0.to] })
        let i = r.int(0...schema.tables.count - 1)
        // A view's target keeps the columns its query writes.
        if schema.materializedViews.contains(where: { $0.to == schema.tables[i].name }) { return }
        var t = schema.tables[i]
        let free = t.columns.indices.filter { !["k", "at"].contains(t.columns[$0].name) && !t.orderBy.contains(t.columns[$0].name) }
        serial += 1
        switch r.int(0...12) {
        case 0: t.columns.insert(column("n\(serial)", &r), at: r.int(2...t.columns.count))
        case 1: if let j = free.randomElement(using: &r) { t.columns.remove(at: j) }
        case 2: if let j = free.randomElement(using: &r) { t.columns[j].renamedFrom = t.columns[j].name; t.columns[j].name = "r\(serial)" }
        case 3: if let j = free.randomElement(using: &r), let to = widenings[t.columns[j].type] { t.columns[j].type = r.pick(to) }
        case 4: if let j = free.randomElement(using: &r) { t.columns[j].codec = t.columns[j].codec == nil ? "ZSTD(5)" : nil }
        case 5: if let j = free.randomElement(using: &r) { t.columns[j].comment = t.columns[j].comment == nil ? "now commented" : nil }
        case 6: if let j = free.randomElement(using: &r) { t.columns[j].ttl = t.columns[j].ttl == nil ? "at + INTERVAL 200 DAY" : nil }
        case 7: t.ttl = t.ttl.isEmpty ? [ClickHouseTTLRule(expression: "at + INTERVAL 500 DAY")] : []
        case 8: t.settings = t.settings.isEmpty ? [ClickHouseSetting(name: "merge_with_ttl_timeout", value: "9000")] : []
        case 9: t.indexes = t.indexes.isEmpty ? [ClickHouseSkipIndex(name: "at_mm", expression: "at", type: "minmax", granularity: 1)] : []
        case 10:
            // A new column appended to the sorting key, the primary key kept.
            let name = "s\(serial)"
            t.columns.append(ClickHouseColumn(name: name, type: .plain("UInt8")))
            t.primaryKey = t.primaryKey ?? t.orderBy
            t.orderBy.append(name)
        case 11: t.projections = t.projections.isEmpty ? [ClickHouseProjection(name: "by_at", select: "SELECT at, k ORDER BY at")] : []
        default:
            if r.chance(50) {
                schema.tables.append(table("nt\(serial)", &r))
            } else if schema.tables.count > 1, !held.contains(t.name) {
                schema.tables.remove(at: i)
                return
            }
        }
        schema.tables[i] = t
    }

    func testRandomEditsMigrateWithRowsAndConverge() throws {
        let server = try ClickHouseServer.get()
        let c = try server.connection()
        let env = ProcessInfo.processInfo.environment
        let seeds = env["SCHEMAC_CH_PROPERTY_SEED"].flatMap(UInt64.init).map { [$0] }
            ?? Array(1...UInt64(Int(env["SCHEMAC_CH_PROPERTY_SEEDS"] ?? "") ?? 25))
        let runner = ClickHouseMigrationCase(name: "random", directory: URL(fileURLWithPath: "/nonexistent"))
        for seed in seeds {
            var r = Random(state: seed)
            var before = ClickHouseSchema(database: "chr_\(getpid())_\(seed)")
            for n in 0..<r.int(1...3) { before.tables.append(Self.table("t\(n)", &r)) }
            Self.rollup(&before, &r)
            var after = before, serial = 0
            for _ in 0..<r.int(1...4) { Self.edit(&after, &r, serial: &serial) }
            let label = "seed \(seed) (SCHEMAC_CH_PROPERTY_SEED=\(seed))"
            try ClickHouseLiveTests.build(before, on: c)
            let rows = try runner.fill(before, on: c)
            let planned = try ClickHousePlanner.plan(after, on: c)
            XCTAssertEqual(planned.unsupported, [], label)
            guard planned.unsupported.isEmpty else { continue }
            do {
                try ClickHousePlanning.run(planned.plan, on: c, database: after.database, say: { _ in })
            } catch {
                XCTFail("\(label): the plan failed: \(error)\n\(ClickHousePlanText.migration(planned.plan))")
                continue
            }
            let again = try ClickHousePlanner.plan(after, on: c)
            XCTAssertEqual(ClickHousePlanText.migration(again.plan), "", "\(label): after\n\(ClickHousePlanText.migration(planned.plan))")
            var fresh = after
            fresh.database += "_fresh"
            try ClickHouseLiveTests.build(fresh, on: c)
            XCTAssertEqual(try runner.catalog(after.database, on: c), try runner.catalog(fresh.database, on: c), "\(label): catalog")
            for t in after.tables {
                guard let count = rows[t.name] else { continue }
                let now = try c.rows("SELECT count() FROM \(ClickHouseSQL.identifier(after.database)).\(ClickHouseSQL.identifier(t.name))")
                XCTAssertEqual(now.first?.first, String(count), "\(label): rows of \(t.name)")
            }
            try c.execute("DROP DATABASE IF EXISTS \(ClickHouseSQL.identifier(after.database)) SYNC")
            try c.execute("DROP DATABASE IF EXISTS \(ClickHouseSQL.identifier(fresh.database)) SYNC")
        }
    }
}

import Foundation
import PlatformSchema
import SchemacModel
import XCTest

/// The generated Swift compiles, and reads and writes real rows: PostgreSQL
/// prints rows as JSON (`row_to_json`), the generated structs decode them with
/// every value intact, and what they encode PostgreSQL reads back
/// (`json_populate_record`) into the same row.
final class SwiftOutputTests: XCTestCase {
    /// Every case's Swift output goes through the compiler's checks (types,
    /// and definite initialization, which only SIL diagnoses). The bundled
    /// definitions' module is a target of the package.
    func testEveryCaseOutputCompiles() throws {
        let swiftc = try XCTUnwrap(Shell.which("swiftc"), "swiftc is not on PATH")
        var modules: [(String, URL)] = []
        for c in try ReferenceCase.all() {
            let base = c.expectedDirectory.appendingPathComponent("swift")
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: base.path) else { continue }
            for name in names { modules.append(("\(c.name)/\(name)", base.appendingPathComponent(name))) }
        }
        let example = Repo.root.appendingPathComponent("examples/attribution/generated/swift/AttributionSchema")
        modules.append(("examples/attribution", example))
        XCTAssertGreaterThanOrEqual(modules.count, 10)
        // swiftc wants a .swift file: the pinned text, under that name.
        let scratch = try Repo.temporaryDirectory("support")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let support = scratch.appendingPathComponent("Support.swift")
        try FileManager.default.copyItem(at: Repo.casesRoot.appendingPathComponent("Support.swift.expected"), to: support)
        let results = parallelMap(modules) { label, dir -> (String, Shell.Result?) in
            var files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".swift") }.sorted()
                .map { dir.appendingPathComponent($0).path }
            // The cases' Support.swift is pinned once (ReferenceCaseTests), beside none of them.
            if !files.contains(where: { $0.hasSuffix("/Support.swift") }) { files.append(support.path) }
            let result = try? Shell.run(swiftc, ["-parse-as-library", "-wmo", "-emit-sil", "-Onone", "-module-name", dir.lastPathComponent,
                                                 "-o", "/dev/null"] + files)
            return (label, result)
        }
        for (label, result) in results {
            XCTAssertEqual(result?.status, 0, "\(label) does not compile:\n\(result?.stderr ?? "swiftc did not run")")
        }
    }

    func testRowsRoundTripThroughPostgreSQL() throws {
        let cluster = try PostgresCluster.get()
        let db = try cluster.databaseFromSchema(Repo.root.appendingPathComponent("generated/postgres/schema.sql"), label: "swift_rows")
        try cluster.psql(database: db, sql: #"""
            INSERT INTO organizations (id, name, slug, status, settings, created_at) VALUES
              ('00000000-0000-0000-0000-000000000001', 'Ünïcode "quoted" \ org', 'acme', 'suspended',
               '{"tier": 3, "ratio": 0.1234567890123456789, "tags": ["a", null], "nested": {"ok": true}}', '2026-03-01 10:20:30.123456+00'),
              ('00000000-0000-0000-0000-000000000002', 'Empty', 'empty', 'active', '{}', '1999-12-31 23:59:59+05:30');
            INSERT INTO users (id, org_id, email, password_hash, name, last_login_at) VALUES
              ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 'a@example.com', 'x', 'Ada', NULL),
              ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-000000000001', 'b@example.com', 'y', 'Bob',
               '2026-01-02 03:04:05.000001+00');
            INSERT INTO campaigns (id, org_id, name, status, budget, currency, starts_at, targeting) VALUES
              ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-000000000001', 'Spring', 'active', 1234567890123.45, 'EUR',
               '2026-04-01 00:00:00+00', '{"geo": ["FR", "DE"], "max_bid": 1.5e-7}'),
              ('00000000-0000-0000-0000-0000000000c2', '00000000-0000-0000-0000-000000000001', 'No budget', 'draft', NULL, 'USD', NULL, '[]');
            INSERT INTO campaign_metrics (org_id, campaign_id, date, impressions, clicks, spend, revenue) VALUES
              ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000c1', '2026-02-28', 9007199254740993, 3, 0.01, 99999.99),
              ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000c1', '2030-01-01', 0, 0, 0, 0);
            INSERT INTO auth_tokens (org_id, user_id, kind, token_hash, scopes, expires_at, created_at) VALUES
              ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1', 'api', '\x00ff10ab', '{read,"wri,te"}',
               '2027-01-01 00:00:00+00', '2026-01-01 00:00:00+00'),
              ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a2', 'access', '\x', '{}',
               '2027-01-01 00:00:00+00', '2026-01-01 00:00:00+00');
            """#)
        var checked = 0
        func roundTrip<Row: Codable & Hashable>(_ type: Row.Type, _ table: String) throws {
            let lines = try cluster.psql(database: db, sql: "SELECT row_to_json(t) FROM \(table) t ORDER BY 1::text")
                .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
            XCTAssertGreaterThanOrEqual(lines.count, 2, table)
            for line in lines {
                let row = try SchemaCoding.decoder().decode(Row.self, from: Data(line.utf8))
                let encoded = String(decoding: try SchemaCoding.encoder().encode(row), as: UTF8.self)
                XCTAssertEqual(try SchemaCoding.decoder().decode(Row.self, from: Data(encoded.utf8)), row, table)
                // PostgreSQL reads what the struct wrote into the very row it printed.
                let literal = "'" + encoded.replacingOccurrences(of: "'", with: "''") + "'"
                let same = try cluster.psql(database: db, sql: """
                    SELECT count(*) FROM \(table) t WHERE t IS NOT DISTINCT FROM json_populate_record(NULL::\(table), \(literal)::json)
                    """).trimmingCharacters(in: .whitespacesAndNewlines)
                XCTAssertEqual(same, "1", "\(table): \(encoded) is not the row \(line)")
                checked += 1
            }
        }
        try roundTrip(Organizations.self, "public.organizations")
        try roundTrip(Users.self, "public.users")
        try roundTrip(Campaigns.self, "public.campaigns")
        try roundTrip(CampaignMetrics.self, "public.campaign_metrics")
        try roundTrip(AuthTokens.self, "public.auth_tokens")
        XCTAssertEqual(checked, 10)

        // Values intact, as Swift sees them.
        let org = try SchemaCoding.decoder().decode(Organizations.self, from: Data(try cluster.psql(
            database: db, sql: "SELECT row_to_json(t) FROM organizations t WHERE slug = 'acme'").utf8))
        XCTAssertEqual(org.name, #"Ünïcode "quoted" \ org"#)
        XCTAssertEqual(org.status, .suspended)
        XCTAssertEqual(SchemaCoding.formatTimestamp(org.createdAt), "2026-03-01T10:20:30.123456Z")
        guard case .object(let settings) = org.settings, case .number(let ratio)? = settings["ratio"] else {
            return XCTFail("settings: \(org.settings)")
        }
        XCTAssertEqual(ratio.description, "0.1234567890123456789")
        let metric = try SchemaCoding.decoder().decode(CampaignMetrics.self, from: Data(try cluster.psql(
            database: db, sql: "SELECT row_to_json(t) FROM campaign_metrics t WHERE date = '2026-02-28'").utf8))
        XCTAssertEqual(metric.impressions, 9_007_199_254_740_993)
        XCTAssertEqual(metric.date, CalendarDate(year: 2026, month: 2, day: 28))
        XCTAssertEqual(metric.revenue.description, "99999.99")
        let token = try SchemaCoding.decoder().decode(AuthTokens.self, from: Data(try cluster.psql(
            database: db, sql: "SELECT row_to_json(t) FROM auth_tokens t WHERE kind = 'api'").utf8))
        XCTAssertEqual(Array(token.tokenHash), [0x00, 0xFF, 0x10, 0xAB])
        XCTAssertEqual(token.scopes, ["read", "wri,te"])
    }

    /// ClickHouse rows as chdb prints them (`FORMAT JSONEachRow`, 64-bit
    /// integers and decimals as numbers, times in ISO 8601) decode into the
    /// generated structs, and what those encode ClickHouse reads back into
    /// the same rows.
    func testRowsRoundTripThroughClickHouse() throws {
        let python = try ClickHouseTests.python()
        let script = Repo.root.appendingPathComponent("Tests/clickhouse/chdb_rows.py").path
        let dir = try Repo.temporaryDirectory("chdb-rows")
        let inserts = dir.appendingPathComponent("inserts.sql")
        try #"""
            INSERT INTO analytics.campaign_metrics_raw VALUES
              (now() - INTERVAL 1 DAY, 'org-1', 'c-1', 'dv360', 18446744073709551615, 3, 0, 1234567890123.45, 0.01),
              (now() - INTERVAL 89 DAY, 'org-2', 'ü "q" \\ ', 'ttd', 0, 0, 0, 0, -0.99);
            INSERT INTO analytics.user_events (timestamp, org_id, user_id, session_id, event_type, page, properties, ip, user_agent) VALUES
              (now64(3) - INTERVAL 2 HOUR, 'org-1', 'u-1', 's-1', 'click', '/a', '{"x": 1}', '10.0.0.1', 'curl'),
              (toDateTime64(toStartOfDay(now()), 3) + 0.001, 'org-1', 'u-2', 's-2', 'view', '', '{}', NULL, '');
            INSERT INTO analytics.api_logs VALUES
              (now(), 'org-1', '00000000-0000-0000-0000-0000000000a1', 'GET', '/v1/x', 200, 12, NULL, NULL, 'body'),
              (now(), 'org-1', '00000000-0000-0000-0000-0000000000a2', 'POST', '/v1/y', 500, 4294967295, 'u-1', 'boom', '');
            """#.write(to: inserts, atomically: true, encoding: .utf8)
        let tables = ["analytics.campaign_metrics_raw", "analytics.user_events", "analytics.api_logs", "analytics.campaign_metrics_daily"]
        let dump = try Shell.run(python, [script, "dump", dir.appendingPathComponent("db").path,
                                          Repo.root.appendingPathComponent("generated/clickhouse/schema.sql").path, inserts.path] + tables)
        XCTAssertEqual(dump.status, 0, dump.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: [Any]], dump.stdout)
        var checked = 0
        func roundTrip<Row: Codable & Hashable>(_ type: Row.Type, _ table: String) throws {
            let printed = try XCTUnwrap(object[table], table)
            XCTAssertGreaterThanOrEqual(printed.count, 2, table)
            var lines: [String] = []
            for value in printed {
                let data = try JSONSerialization.data(withJSONObject: value)
                let row = try SchemaCoding.decoder().decode(Row.self, from: data)
                let encoded = try SchemaCoding.encoder().encode(row)
                // Computed columns are read, never written: what is written reads back the same.
                let again = try SchemaCoding.encoder().encode(try SchemaCoding.decoder().decode(Row.self, from: encoded))
                XCTAssertEqual(try JSONSerialization.jsonObject(with: again) as? NSDictionary, try JSONSerialization.jsonObject(with: encoded) as? NSDictionary, table)
                lines.append(String(decoding: encoded, as: UTF8.self))
            }
            let file = dir.appendingPathComponent("\(table).jsonl")
            try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            let load = try Shell.run(python, [script, "load", dir.appendingPathComponent("db").path, table, file.path])
            XCTAssertEqual(load.status, 0, load.stderr)
            XCTAssertEqual(load.stdout.trimmingCharacters(in: .whitespacesAndNewlines), #"{"missing": 0, "extra": 0}"#, table)
            checked += printed.count
        }
        try roundTrip(Analytics.CampaignMetricsRaw.self, "analytics.campaign_metrics_raw")
        try roundTrip(Analytics.UserEvents.self, "analytics.user_events")
        try roundTrip(Analytics.APILogs.self, "analytics.api_logs")
        // Rows the materialized view made.
        try roundTrip(Analytics.CampaignMetricsDaily.self, "analytics.campaign_metrics_daily")
        XCTAssertEqual(checked, 8)

        // Item 13 of issue 12: `SELECT *` leaves the MATERIALIZED column out; the
        // row decodes without it, and what it encodes (the insert shape) leaves it out too.
        let selectStar = #"{"timestamp": "2026-01-01T00:00:00.001Z", "org_id": "o", "user_id": "u", "session_id": "s", "event_type": "view", "#
            + #""page": "", "properties": "{}", "ip": null, "user_agent": ""}"#
        let event = try SchemaCoding.decoder().decode(Analytics.UserEvents.self, from: Data(selectStar.utf8))
        XCTAssertNil(event.date)
        let written = String(decoding: try SchemaCoding.encoder().encode(event), as: UTF8.self)
        XCTAssertFalse(written.contains(#""date""#), written)
    }
}

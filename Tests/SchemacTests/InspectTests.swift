import Foundation
import SchemacCore
import SchemacLoader
import SchemacModel
@testable import SchemacPostgres
import SchemacPostgresDriver
import XCTest

/// Introspection reads back what the definitions describe: every reference case
/// is built in a real database and inspected, and the structure (names, types,
/// keys, indexes, security, triggers, partitions) must equal the definitions'
/// model. SQL text (defaults, checks, bodies) is compared only for presence:
/// PostgreSQL rewrites it, and the diff normalizes it separately.
final class InspectTests: XCTestCase {
    func testInspectionRecoversEveryReferenceCase() throws {
        let cluster = try PostgresCluster.get()
        var inspected = 0
        for c in try ReferenceCase.all() {
            let file = c.expectedDirectory.appendingPathComponent("postgres/schema.sql")
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            let loaded = DefinitionsLoader.load(directory: c.directory.appendingPathComponent("definitions"), displayPrefix: "definitions")
            guard let desired = loaded.definitions?.postgres else { continue }
            let db = try cluster.databaseFromSchema(file, label: "inspect_\(c.name)")
            let connection = try PostgresConnection("host=\(cluster.socketDirectory) dbname=\(db) user=postgres")
            let schemas = try PostgresInspector.schemasToInspect(connection, declared: desired.namespacesInUse, excluding: [])
            let live = try PostgresInspector.inspect(connection, schemas: schemas)
            let expected = Self.dump(desired), actual = Self.dump(live)
            if expected != actual {
                XCTFail("\(c.name): inspection differs at \(firstDifference(expected, actual))")
            }
            XCTAssertTrue(Set(desired.roles).isSubset(of: live.roles), c.name)
            XCTAssertTrue(Set(desired.extensions).isSubset(of: live.extensions), c.name)
            // `diff` keeps inspections in this form: it must hold all they read.
            let back = try CompactCoding.decode(PostgresSchema.self, from: CompactCoding.encode(live))
            XCTAssertEqual(back.viewReads, live.viewReads, c.name)
            XCTAssert(back == live, "\(c.name): the kept form of the inspection differs: \(firstDifference(Self.dump(live), Self.dump(back)))")
            inspected += 1
        }
        XCTAssertGreaterThanOrEqual(inspected, 25)
    }

    func testInspectionOfTheBundledDefinitions() throws {
        let cluster = try PostgresCluster.get()
        for project in ["", "examples/attribution"] {
            let root = Repo.root.appendingPathComponent(project)
            let loaded = DefinitionsLoader.load(directory: root.appendingPathComponent("definitions"), displayPrefix: "definitions")
            let desired = try XCTUnwrap(loaded.definitions?.postgres)
            let db = try cluster.databaseFromSchema(root.appendingPathComponent("generated/postgres/schema.sql"), label: "inspect_bundled")
            let connection = try PostgresConnection("postgresql://postgres@/\(db)?host=\(cluster.socketDirectory)")
            let live = try PostgresInspector.inspect(connection, schemas: ["public"] + desired.schemas)
            let expected = Self.dump(desired), actual = Self.dump(live)
            XCTAssertEqual(expected, actual, "\(project.isEmpty ? "definitions" : project): \(firstDifference(expected, actual))")
        }
    }

    /// Objects an extension owns are the extension's: pg_stat_statements puts
    /// its views, pg_trgm and citext their functions and types, in public.
    func testObjectsOwnedByExtensionsAreLeftOut() throws {
        let cluster = try PostgresCluster.get()
        let db = try cluster.createDatabase("inspect_extensions")
        try cluster.psql(database: db, sql: """
            CREATE EXTENSION pg_stat_statements; CREATE EXTENSION pg_trgm; CREATE EXTENSION citext;
            CREATE TABLE mine (id integer, name citext);
            CREATE VIEW my_view AS SELECT id FROM mine;
            """)
        let connection = try PostgresConnection("host=\(cluster.socketDirectory) dbname=\(db) user=postgres")
        for live in [try PostgresInspector.inspect(connection, schemas: ["public"]),
                     try PostgresInspector.inspect([connection, try PostgresConnection("host=\(cluster.socketDirectory) dbname=\(db) user=postgres")],
                                                   schemas: ["public"])] {
            XCTAssertEqual(live.tables.map(\.name.name), ["mine"])
            XCTAssertEqual(live.views.map(\.name.name), ["my_view"])
            XCTAssertEqual(live.functions.map(\.name.name), [])
            XCTAssertEqual(live.enums.map(\.name.name), [])
            XCTAssertEqual(Set(live.extensions), ["citext", "pg_stat_statements", "pg_trgm"])
        }
    }

    /// Grants are read from the access lists as stored, so role names that need
    /// quoting, PUBLIC, the owner and a role granted by two grantors are the
    /// parser's to get right; indexes that back a key or an exclusion are not
    /// indexes of their own; a foreign key to a schema not inspected keeps its
    /// target's name.
    func testAccessListsConstraintIndexesAndOutsideReferences() throws {
        let cluster = try PostgresCluster.get()
        let db = try cluster.createDatabase("inspect_acl")
        try cluster.psql(database: db, sql: #"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'acl "odd", role') THEN CREATE ROLE "acl ""odd"", role"; END IF;
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'acl_plain') THEN CREATE ROLE acl_plain; END IF;
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'acl_grantor') THEN CREATE ROLE acl_grantor; END IF;
            END $$;
            CREATE EXTENSION btree_gist;
            CREATE SCHEMA elsewhere;
            CREATE TABLE elsewhere.target (a integer, b integer, UNIQUE (b, a));
            CREATE TABLE t (id integer PRIMARY KEY, code text UNIQUE, r int4range, x integer, y integer,
                            EXCLUDE USING gist (r WITH &&), FOREIGN KEY (x, y) REFERENCES elsewhere.target (b, a));
            CREATE INDEX t_x ON t (x);
            GRANT SELECT, INSERT ON t TO "acl ""odd"", role";
            GRANT SELECT ON t TO PUBLIC;
            GRANT SELECT ON t TO acl_grantor WITH GRANT OPTION;
            GRANT UPDATE ON t TO acl_plain;
            SET ROLE acl_grantor; GRANT SELECT ON t TO acl_plain; RESET ROLE;
            """#)
        let connection = try PostgresConnection("host=\(cluster.socketDirectory) dbname=\(db) user=postgres")
        let live = try PostgresInspector.inspect(connection, schemas: ["public"])
        let t = try XCTUnwrap(live.tables.first { $0.name.name == "t" })
        XCTAssertEqual(t.grants, [Grant(role: #"acl "odd", role"#, privileges: [.select, .insert]),
                                  Grant(role: "acl_grantor", privileges: [.select]),
                                  Grant(role: "acl_plain", privileges: [.select, .update])])
        XCTAssertEqual(t.indexes.map(\.name), ["t_x"])
        XCTAssertEqual(t.foreignKeys.map(\.referencedTable), [QualifiedName(schema: "elsewhere", name: "target")])
        XCTAssertEqual(t.foreignKeys.map(\.referencedColumns), [["b", "a"]])
        XCTAssertEqual(t.primaryKey?.columns, ["id"])
        XCTAssertEqual(t.uniques.map(\.columns), [["code"]])
    }

    func testConnectionErrorsNeverShowThePassword() throws {
        let cluster = try PostgresCluster.get()
        let secret = "s3cr%40t-pa55"
        for target in [
            "postgresql://nobody:\(secret)@/postgres?host=\(cluster.socketDirectory)&port=1",
            "host=\(cluster.socketDirectory) port=1 user=nobody password=\(secret) dbname=postgres",
            "host=\(cluster.socketDirectory) port=1 user=nobody password='\(secret) x' dbname=postgres",
            "postgres://nobody@/postgres?host=\(cluster.socketDirectory)&port=1&password=\(secret)",
        ] {
            XCTAssertThrowsError(try PostgresConnection(target)) { error in
                let text = String(describing: error)
                XCTAssertFalse(text.contains("s3cr"), text)
                XCTAssertTrue(text.contains("****"), text)
                XCTAssertFalse(text.contains("\n"), text)
            }
        }
        XCTAssertEqual(ConnectionTarget.redacted("postgresql://u:p%40ss@h/db"), "postgresql://u:****@h/db")
        XCTAssertEqual(ConnectionTarget.redacted("host=h password='a b\\'c' user=u"), "host=h password='****' user=u")
        // Item 15 of issue 12: an escaped space in an unquoted value is part of it.
        XCTAssertEqual(ConnectionTarget.redacted("host=h password=ab\\ cdSECRET user=u"), "host=h password=**** user=u")
        XCTAssertThrowsError(try PostgresConnection("host=\(cluster.socketDirectory) port=1 user=nobody password=ab\\ cdSECRET")) { error in
            XCTAssertFalse(String(describing: error).contains("SECRET"), String(describing: error))
        }
        let run = try Shell.run(try Repo.binary, ["diff", "--against", "host=127.0.0.1 port=1 dbname=x password=ab\\ cdSECRET"], cwd: Repo.root)
        XCTAssertEqual(run.status, 1)
        XCTAssertFalse(run.stderr.contains("SECRET"), run.stderr)
        XCTAssertTrue(run.stderr.contains("password=****"), run.stderr)
    }

    /// The structure of a schema as lines, in a fixed order.
    static func dump(_ s: PostgresSchema) -> String {
        var out: [String] = ["schemas \(s.schemas.sorted())"]
        for e in s.enums.sorted(by: { $0.name < $1.name }) {
            out.append("enum \(e.name) \(e.values) comment=\(e.comment ?? "-")")
        }
        for q in s.sequences.sorted(by: { $0.name < $1.name }) {
            let owner = q.ownedBy.map { "\($0.relation).\($0.column ?? "")" } ?? "-"
            out.append("sequence \(q.name) \(q.type.rawValue) start=\(q.start) increment=\(q.increment) min=\(q.minValue) max=\(q.maxValue) cache=\(q.cache) cycle=\(q.cycle) owner=\(owner) comment=\(q.comment ?? "-")")
        }
        for f in s.functions.sorted(by: { $0.name < $1.name }) {
            out.append("function \(f.name) language=\(f.language) volatility=\((f.volatility ?? .volatile).rawValue) definer=\(f.securityDefiner) comment=\(f.comment ?? "-")")
        }
        for t in s.tables.sorted(by: { $0.name < $1.name }) {
            out.append("table \(t.name) rls=\(t.rowLevelSecurity) force=\(t.forceRowLevelSecurity) comment=\(t.comment ?? "-")")
            // Column order aside: a column added by a migration comes last.
            for c in t.columns.sorted(by: { $0.name < $1.name }) {
                out.append("  column \(c.name) \(c.type.sql) null=\(c.nullable) default=\(c.defaultSQL != nil) identity=\(c.identity?.rawValue ?? "-") generated=\(c.generated != nil) comment=\(c.comment ?? "-")")
            }
            if let pk = t.primaryKey { out.append("  primary key \(pk.name) \(pk.columns)") }
            for u in t.uniques.sorted(by: { $0.name < $1.name }) { out.append("  unique \(u.name) \(u.columns) nnd=\(u.nullsNotDistinct)") }
            for c in t.checks.sorted(by: { $0.name < $1.name }) { out.append("  check \(c.name)") }
            for x in t.exclusions.sorted(by: { $0.name < $1.name }) { out.append("  exclusion \(x.name)") }
            for f in t.foreignKeys.sorted(by: { $0.name < $1.name }) {
                out.append("  foreign key \(f.name) \(f.columns) -> \(f.referencedTable) \(f.referencedColumns) delete=\(f.onDelete.rawValue) update=\(f.onUpdate.rawValue) deferrable=\(f.deferrable)")
            }
            for i in t.indexes.sorted(by: { $0.name < $1.name }) {
                let keys = i.keys.map { k in
                    "\(k.column ?? "(expression)")\(k.opclass.map { " " + $0 } ?? "")\(k.descending ? " desc" : "")\(k.nullsFirst.map { $0 ? " nulls first" : " nulls last" } ?? "")"
                }
                out.append("  index \(i.name) \(i.method.rawValue) unique=\(i.unique) \(keys) include=\(i.include) partial=\(i.predicate != nil) comment=\(i.comment ?? "-")")
            }
            for p in t.policies.sorted(by: { $0.name < $1.name }) {
                out.append("  policy \(p.name) \(p.command.rawValue) permissive=\(p.permissive) roles=\(p.roles.sorted()) using=\(p.using != nil) check=\(p.withCheck != nil)")
            }
            for g in t.grants.sorted(by: { $0.role < $1.role }) { out.append("  grant \(g.role) \(g.privileges.sorted().map(\.rawValue))") }
            for tr in t.triggers.sorted(by: { $0.name < $1.name }) {
                let events = tr.events.map(\.rawValue).sorted()
                out.append("  trigger \(tr.name) \(tr.timing.rawValue) \(events) row=\(tr.forEachRow) \(tr.function) \(tr.arguments) when=\(tr.when != nil)")
            }
            if let p = t.partitioning { out.append("  partition by \(p.strategy.rawValue) \(p.columns)") }
            for p in t.partitions.sorted(by: { $0.name < $1.name }) {
                out.append("  partition \(p.name) \(p.bound == .default ? "default" : "bounded")")
            }
        }
        for v in s.views.sorted(by: { $0.name < $1.name }) {
            out.append("view \(v.name) materialized=\(v.materialized) comment=\(v.comment ?? "-")")
            for g in v.grants.sorted(by: { $0.role < $1.role }) { out.append("  grant \(g.role) \(g.privileges.sorted().map(\.rawValue))") }
        }
        return out.joined(separator: "\n")
    }
}

extension InspectTests {
    /// Comments are looked up by pg_description's unique index, never read
    /// whole: on a database just built, the planner's figures for it are an
    /// empty database's, and a join read it whole for every row (15 s for the
    /// index query at 10,000 tables). A hash join scans it too, so the plan of
    /// every catalog query, in either form, reaches it through the index only.
    func testNoCatalogQueryReadsTheCommentsWhole() throws {
        let cluster = try PostgresCluster.get()
        let connection = try PostgresConnection("host=\(cluster.socketDirectory) dbname=postgres user=postgres")
        for query in CatalogQuery.allCases {
            for scratch in [false, true] {
                let sql = query.sql(scratch: scratch, serverVersion: connection.serverVersion)
                let plan = try connection.query("EXPLAIN " + sql, query.takesSchemas ? ["{public}"] : []).compactMap { $0[0] }.joined(separator: "\n")
                XCTAssertFalse(plan.contains("Seq Scan on pg_description"), "\(query), scratch \(scratch):\n\(plan)")
                if sql.contains("pg_description") { XCTAssertTrue(plan.contains("pg_description_o_c_o_index"), "\(query):\n\(plan)") }
            }
        }
    }

    /// Fields are read by name: every catalog query names each of its columns
    /// once, and a query whose select list lost its names is refused, not read
    /// by position.
    func testEveryCatalogQueryNamesItsColumns() throws {
        let cluster = try PostgresCluster.get()
        let connection = try PostgresConnection("host=\(cluster.socketDirectory) dbname=postgres user=postgres")
        for query in CatalogQuery.allCases {
            for scratch in [false, true] {
                let result = try connection.namedQuery(query.sql(scratch: scratch, serverVersion: connection.serverVersion), query.takesSchemas ? ["{public}"] : [])
                XCTAssertEqual(Set(result.columns).count, result.columns.count, "\(query): \(result.columns)")
                XCTAssertFalse(result.columns.contains("?column?"), "\(query): \(result.columns)")
                XCTAssertNoThrow(try CatalogRows(query, columns: result.columns, rows: result.rows))
                // The flat rows the inspector reads hold what the rows of strings do.
                let flat = try connection.catalogRows(query.sql(scratch: scratch, serverVersion: connection.serverVersion), query.takesSchemas ? ["{public}"] : [])
                XCTAssertEqual(flat.columns, result.columns)
                XCTAssertEqual((0..<flat.count).map { r in flat.columns.indices.map { flat[row: r, column: $0] } }, result.rows, "\(query)")
            }
        }
        // Catalog sessions run without JIT: compiling the large unions cost
        // more than running them. The local form ends with its transaction.
        try connection.turnOffJIT()
        XCTAssertEqual(try connection.query("SHOW jit", []), [["off"]])
        try connection.execute("RESET jit; BEGIN")
        try connection.turnOffJIT(local: true)
        XCTAssertEqual(try connection.query("SHOW jit", []), [["off"]])
        try connection.execute("COMMIT")
        XCTAssertEqual(try connection.query("SHOW jit", []), [["on"]])
        // NULL beside the empty string, at the start, the end and in a row.
        let rows: [[String?]] = [[nil, "", "é"], ["", nil, nil], ["a", "bc", ""], [nil, nil, "x"]]
        let flat = TextRows(columns: ["a", "b", "c"], rows: rows)
        XCTAssertEqual(flat.count, 4)
        XCTAssertEqual((0..<4).map { r in (0..<3).map { flat[row: r, column: $0] } }, rows)
        XCTAssertEqual(TextRows(columns: [], rows: []).count, 0)
        XCTAssertThrowsError(try CatalogRows(.tables, columns: ["oid", "?column?"], rows: []))
        XCTAssertThrowsError(try CatalogRows(.tables, columns: ["oid", "oid"], rows: []))
    }
}

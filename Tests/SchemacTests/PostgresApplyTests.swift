import Foundation
import SchemacCore
import XCTest

/// Every schema.sql schemac produces loads into a fresh database of a real server.
final class PostgresApplyTests: XCTestCase {
    func testCommittedGeneratedSchemasApply() throws {
        let cluster = try PostgresCluster.get()
        for project in ["", "examples/attribution"] {
            let file = Repo.root.appendingPathComponent(project).appendingPathComponent("generated/postgres/schema.sql")
            XCTAssertTrue(FileManager.default.fileExists(atPath: file.path), "\(file.path) is not committed")
            _ = try cluster.databaseFromSchema(file, label: project.isEmpty ? "definitions" : "attribution")
        }
    }

    func testEveryReferenceCaseSchemaApplies() throws {
        let cluster = try PostgresCluster.get()
        var applied = 0
        for c in try ReferenceCase.all() {
            let file = c.expectedDirectory.appendingPathComponent("postgres/schema.sql")
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            XCTAssertNoThrow(try cluster.databaseFromSchema(file, label: "case_\(c.name)"), c.name)
            applied += 1
        }
        XCTAssertGreaterThanOrEqual(applied, 15)
    }

    /// The schema applies twice in a row to different databases of one cluster:
    /// roles already exist the second time and must not break it.
    func testRolesThatAlreadyExistDoNotBreakTheSchema() throws {
        let cluster = try PostgresCluster.get()
        let file = Repo.root.appendingPathComponent("generated/postgres/schema.sql")
        _ = try cluster.databaseFromSchema(file, label: "roles_first")
        _ = try cluster.databaseFromSchema(file, label: "roles_second")
    }
}

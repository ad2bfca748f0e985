import SchemacDiagnostics
import SchemacModel
import Yams

/// Puts the Swift plan's problems where they come from: the table, column or
/// enum in its file.
enum SwiftChecks {
    static func report(_ plan: SwiftPlan, postgres: PostgresDeclarations, clickhouse: ClickHouseResolver, fallback: NodeReader?) {
        for problem in plan.problems {
            guard let (reader, location) = place(problem.subject, postgres, clickhouse) ?? fallback.map({ ($0, SourceLocation.file($0.file)) })
            else { continue }
            reader.report(problem.isCollision ? .swiftNameCollision(problem.message, at: location)
                                              : .swiftUnsupportedType(problem.message, at: location))
        }
    }

    private static func place(_ subject: SwiftPlan.Subject, _ pg: PostgresDeclarations,
                              _ ch: ClickHouseResolver) -> (NodeReader, SourceLocation)? {
        func column(_ node: Node, _ name: String, _ reader: NodeReader) -> SourceLocation? {
            guard case .mapping(let m) = node else { return nil }
            for pair in m.pairsInPlace where pair.key.scalar?.string == "columns" {
                guard case .mapping(let columns) = pair.value else { return nil }
                for c in columns.pairsInPlace where c.key.scalar?.string == name { return reader.location(c.key) }
            }
            return nil
        }
        switch subject {
        case .postgresTable(let name):
            return pg.tables.first { $0.name == name }.map { ($0.reader, $0.location) }
        case .postgresEnum(let name):
            return pg.enums.first { $0.name == name }.map { ($0.reader, $0.location) }
        case .postgresColumn(let table, let name):
            guard let d = pg.tables.first(where: { $0.name == table }) else { return nil }
            return (d.reader, column(d.node, name, d.reader) ?? d.location)
        case .clickhouseTable(let name):
            return ch.tableNodes.first { $0.name == name }.map { ($0.reader, $0.reader.location($0.key)) }
        case .clickhouseColumn(let table, let name):
            guard let t = ch.tableNodes.first(where: { $0.name == table }) else { return nil }
            return (t.reader, column(t.node, name, t.reader) ?? t.reader.location(t.key))
        case .redisKey:
            return nil
        }
    }
}

import Foundation
import SchemacDiagnostics
import SchemacModel
import Yams

// Partitioning and the partitions' bounds, read as the partition key's types.
extension PostgresResolver {
    // MARK: Partitions

    mutating func resolvePartitioning(_ f: Fields, _ table: inout Table, _ d: Declaration, _ r: NodeReader,
                                      _ checkColumns: ([String], Node) -> Bool) {
        let tname = d.name.display(defaultSchema: d.defaultSchema)
        guard let byNode = f["partition_by"] else {
            if let p = f["partitions"] {
                r.report(.partitionMismatch("table '\(tname)' lists partitions but has no partition_by", at: r.location(p)))
            }
            return
        }
        guard let by = r.fields(byNode, "partition_by", allowed: PostgresKeys.partitionBy.names) else { return }
        let strategies = Partitioning.Strategy.allCases.filter { by.has($0.rawValue) }
        guard strategies.count == 1, let strategy = strategies.first, let colsNode = by[strategy.rawValue] else {
            r.report(.partitionMismatch("partition_by needs exactly one of 'range', 'list' or 'hash'", at: by.location))
            return
        }
        guard let cols = r.stringList(colsNode, strategy.rawValue, allowSingle: true), !cols.isEmpty, checkColumns(cols, colsNode) else { return }
        if strategy == .list && cols.count != 1 {
            r.report(.partitionMismatch("list partitioning takes exactly one column", at: r.location(colsNode)))
            return
        }
        table.partitioning = Partitioning(strategy: strategy, columns: cols)

        checkUniqueKeysHoldPartitionKey(table, cols, tname, at: r.location(byNode), r)

        var partitionNames = Namespace(kind: "partition")
        if let countNode = by["partitions"] {
            guard strategy == .hash else {
                r.report(.partitionMismatch("'partitions: N' creates hash partitions; it does not go with \(strategy.rawValue) partitioning", at: r.location(countNode)))
                return
            }
            guard let count = r.integer(countNode, "partitions") else { return }
            guard (1...1024).contains(count) else {
                r.report(.partitionMismatch("hash partition count must be between 1 and 1024, not \(count)", at: r.location(countNode)))
                return
            }
            if let listed = f["partitions"] {
                r.report(.partitionMismatch("table '\(tname)' has both partition_by.partitions and a partitions list; use one", at: r.location(listed)))
                return
            }
            for i in 0..<count {
                let name = QualifiedName(schema: d.name.schema, name: Identifier.derived(d.name.name, nil, label: "p\(i)"))
                claimRelation(name, display: name.name, at: r.location(countNode), r, owner: .partition(table.partitions.count))
                table.partitions.append(Partition(name: name, bound: .hash(modulus: count, remainder: i)))
            }
            return
        }
        guard let listNode = f["partitions"] else { return }
        let columnTypes = cols.compactMap { table.column(named: $0)?.type }
        var hasDefault = false
        for entry in r.namedEntries(listNode, "partitions") ?? [] {
            let loc = r.location(entry.keyNode)
            guard !entry.key.isEmpty else { r.report(.emptyName("partition", at: loc)); continue }
            let name = QualifiedName(parsing: entry.key, defaultSchema: d.name.schema)
            guard checkIdentifier(name.name, entry.keyNode, r), partitionNames.claim(name.description, at: loc, r) else { continue }
            // Claimed just before each append below, so the claim knows its position.
            let claim = { (resolver: inout PostgresResolver, table: Table) in
                resolver.claimRelation(name, display: entry.key, at: loc, r, owner: .partition(table.partitions.count))
            }
            if case .scalar(let s) = entry.value, s.string.lowercased() == "default" {
                if strategy == .hash {
                    r.report(.partitionMismatch("a hash-partitioned table cannot have a default partition", at: r.location(entry.value)))
                    continue
                }
                if hasDefault {
                    r.report(.partitionMismatch("table '\(tname)' has more than one default partition", at: r.location(entry.value)))
                    continue
                }
                hasDefault = true
                claim(&self, table)
                table.partitions.append(Partition(name: name, bound: .default))
                continue
            }
            guard let p = r.fields(entry.value, "partition '\(entry.key)'", allowed: PostgresKeys.partition.names) else { continue }
            guard let bound = explicitBound(entry, p, strategy, columnTypes, r, table: tname) else { continue }
            claim(&self, table)
            table.partitions.append(Partition(name: name, bound: bound))
        }
    }

    /// A range bound: one value per partition column.
    /// The bound a partition entry gives for the table's strategy, reported when it does not fit.
    /// Unique keys of a partitioned table must contain the partition key.
    func checkUniqueKeysHoldPartitionKey(_ table: Table, _ cols: [String], _ tname: String, at location: SourceLocation, _ r: NodeReader) {
        let keyed = ([table.primaryKey.map { ("the primary key", $0.columns) }].compactMap { $0 })
            + table.uniques.map { ("unique constraint '\($0.name)'", $0.columns) }
            + table.indexes.filter(\.unique).map { ("unique index '\($0.name)'", $0.keys.compactMap(\.column)) }
        for (label, columns) in keyed {
            let missing = cols.filter { !columns.contains($0) }
            if !missing.isEmpty {
                r.report(.partitionKeyNotInUnique(table: tname, constraint: label, missing: missing, at: location))
            }
        }
    }

    func explicitBound(_ entry: Fields.Entry, _ p: Fields, _ strategy: Partitioning.Strategy, _ columnTypes: [PostgresType], _ r: NodeReader,
                       table tname: String) -> Partition.Bound? {
        let given = Set(p.entries.map(\.key))
        switch strategy {
        case .range:
            guard given == ["from", "to"], let from = bounds(p["from"]!, columnTypes, r, range: true),
                  let to = bounds(p["to"]!, columnTypes, r, range: true) else {
                if given != ["from", "to"] {
                    r.report(.partitionMismatch("partition '\(entry.key)' of range-partitioned table '\(tname)' needs 'from' and 'to' (or the word default)", at: p.location))
                }
                return nil
            }
            return .range(from: from, to: to)
        case .list:
            guard given == ["in"], let values = r.sequence(p["in"]!, "in") else {
                if given != ["in"] {
                    r.report(.partitionMismatch("partition '\(entry.key)' of list-partitioned table '\(tname)' needs 'in: [values]' (or the word default)", at: p.location))
                }
                return nil
            }
            var rendered: [String] = []
            for v in values {
                if let sql = bound(v, columnTypes[0], r, range: false) { rendered.append(sql) }
            }
            guard rendered.count == values.count, !values.isEmpty else {
                if values.isEmpty { r.report(.partitionMismatch("partition '\(entry.key)' lists no values", at: p.location)) }
                return nil
            }
            return .list(rendered)
        case .hash:
            guard given == ["modulus", "remainder"], let m = r.integer(p["modulus"]!, "modulus"), let rem = r.integer(p["remainder"]!, "remainder") else {
                if given != ["modulus", "remainder"] {
                    r.report(.partitionMismatch("partition '\(entry.key)' of hash-partitioned table '\(tname)' needs 'modulus' and 'remainder'", at: p.location))
                }
                return nil
            }
            guard m > 0, (0..<m).contains(rem) else {
                r.report(.partitionMismatch("hash partition remainder must be at least 0 and less than the modulus", at: p.location))
                return nil
            }
            return .hash(modulus: m, remainder: rem)
        }
    }

    func bounds(_ node: Node, _ types: [PostgresType], _ r: NodeReader, range: Bool) -> [String]? {
        let items: [Node]
        if case .sequence(let s) = node { items = Array(s) } else { items = [node] }
        guard items.count == types.count else {
            r.report(.partitionMismatch("the bound has \(items.count) value(s) but the table is partitioned by \(types.count) column(s)", at: r.location(node)))
            return nil
        }
        var out: [String] = []
        for (item, type) in zip(items, types) {
            guard let sql = bound(item, type, r, range: range) else { return nil }
            out.append(sql)
        }
        return out
    }

    func bound(_ node: Node, _ type: PostgresType, _ r: NodeReader, range: Bool) -> String? {
        if r.isNull(node) {
            if range { r.report(.partitionMismatch("a range bound cannot be null; use MINVALUE or MAXVALUE", at: r.location(node))); return nil }
            return "NULL"
        }
        guard let value = r.scalar(node, "a partition bound") else { return nil }
        if range, case .scalar(let s) = node, s.style == .plain, ["minvalue", "maxvalue"].contains(value.lowercased()) {
            return value.uppercased()
        }
        switch Literals.render(value, as: type, enumValues: enumValues(type)) {
        case .success(let sql): return sql
        case .failure(.looksLikeCall):
            r.report(.invalidLiteral(value, what: "partition bound", type: type.sql, reason: "a bound is a constant, not an expression", at: r.location(node)))
        case .failure(.invalid(let why)):
            r.report(.invalidLiteral(value, what: "partition bound", type: type.sql, reason: why, at: r.location(node)))
        }
        return nil
    }
}

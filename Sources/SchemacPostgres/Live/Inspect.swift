import Foundation
import SchemacMigrate
import SchemacModel

/// What the inspector needs from a connection: rows of text. SchemacCore adapts
/// the libpq driver to it, so this target never sees libpq.
public protocol CatalogReader {
    func query(_ sql: String, _ parameters: [String?]) throws -> [[String?]]
    /// The rows and their columns' names, for the inspector's queries (read
    /// by name): stored flat, since a catalog of many tables is many rows.
    func catalogRows(_ sql: String, _ parameters: [String?]) throws -> TextRows
    /// `server_version_num`: which columns the catalogs have.
    var serverVersion: Int { get }
}

/// Reads a live database into the model the definitions resolve to.
///
/// It runs a fixed number of catalog queries, whatever the number of tables,
/// limited to `schemas`, and leaves out objects that belong to extensions.
/// Expressions (defaults, checks, predicates, policies, view bodies) come back
/// as PostgreSQL prints them.
public enum PostgresInspector {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// How many queries `inspect` runs: constant, for the benchmarks to report.
    public static let queryCount = CatalogQuery.allCases.count

    /// `scratch` says the schemas are the normalizer's scratch schemas: a
    /// handful of tables, looked up by index rather than by scanning the
    /// catalogs (the better plan for many), and nothing that belongs to an
    /// extension, so that no query need look for such objects.
    public static func inspect(_ db: CatalogReader, schemas: [String], scratch: Bool = false,
                               only: Set<CatalogQuery> = Set(CatalogQuery.allCases)) throws -> PostgresSchema {
        try inspect([db], schemas: schemas, scratch: scratch, only: only)
    }

    /// With two connections, the queries run in two lanes: one reads the
    /// relations and their columns and assembles them while the other reads
    /// what is printed in a table's context (constraints, indexes, policies),
    /// which opens every table, a cost each connection pays once.
    ///
    /// `only` leaves out the queries not named (their parts of the schema stay
    /// empty): the normalizer reads back only what carries text.
    /// `thenOnFirstLane` runs on the first connection once its part is read,
    /// while the second may still be reading: the first lane's part is the
    /// shorter.
    public static func inspect(_ connections: [CatalogReader], schemas: [String], scratch: Bool = false,
                               only: Set<CatalogQuery> = Set(CatalogQuery.allCases),
                               thenOnFirstLane: ((CatalogReader) throws -> Void)? = nil) throws -> PostgresSchema {
        precondition(!connections.isEmpty)
        let nsp = arrayLiteral(schemas)
        let work = UncheckedSendable(connections)
        func fetch(_ query: CatalogQuery, _ lane: Int) throws -> CatalogRows {
            guard only.contains(query) else { return .empty(query) }
            return try CatalogRows(query, work.value[lane].catalogRows(query.sql(scratch: scratch, serverVersion: work.value[lane].serverVersion), query.takesSchemas ? [nsp] : []))
        }
        var relations: Relations
        var printed: [CatalogQuery: CatalogRows] = [:]
        if connections.count == 1 {
            relations = try readRelations { try fetch($0, 0) }
            for q in CatalogQuery.printedInTableContext { printed[q] = try fetch(q, 0) }
            try thenOnFirstLane?(connections[0])
        } else {
            // Each lane has a connection of its own: libpq connections are not shared.
            let lanes = parallelMap([0, 1]) { lane in
                lane == 0
                    ? UncheckedSendable(Result<Any, Error> {
                        let relations = try readRelations { try fetch($0, 0) }
                        try thenOnFirstLane?(work.value[0])
                        return relations
                    })
                    : UncheckedSendable(Result<Any, Error> {
                        try Dictionary(uniqueKeysWithValues: CatalogQuery.printedInTableContext.map { ($0, try fetch($0, 1)) })
                    })
            }
            relations = try lanes[0].value.get() as! Relations
            printed = try lanes[1].value.get() as! [CatalogQuery: CatalogRows]
        }
        try readPrintedInTableContext(&relations) { printed[$0] ?? .empty($0) }
        var schema = relations.schema
        schema.tables = relations.order.compactMap { relations.tables[$0] }
        schema.views = relations.viewOrder.compactMap { relations.views[$0] }
        return schema
    }

    /// The schema of `schemac migrate`'s history table: never a schema of
    /// the definitions', so neither diff nor pull sees it (unless the
    /// definitions name it).
    public static let historySchema = "schemac"

    /// The schemas a diff inspects: those the definitions use, and every other
    /// schema of the target that people made, so that a schema the definitions
    /// no longer name is seen (and dropped) rather than silently left behind.
    /// Left out: the system's schemas, those an extension made or lives in, and
    /// those `excluding` names (`*` matches any run of characters).
    /// `extensionHomes`: also the schemas an extension lives in (pull and diff
    /// read them, the extension's own objects aside; diff never drops one).
    public static func schemasToInspect(_ db: CatalogReader, declared: [String], excluding: [String],
                                        extensionHomes: Bool = false) throws -> [String] {
        let present = try db.query("""
            SELECT n.nspname FROM pg_namespace n
             WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND n.nspname <> \(SQL.literal(historySchema))
               AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
               AND (\(extensionHomes) OR NOT EXISTS (SELECT 1 FROM pg_extension e WHERE e.extnamespace = n.oid AND n.nspname <> 'public'))
             ORDER BY 1
            """, []).compactMap { $0[0] }
        let excluded = present.filter { name in excluding.contains { SchemaPattern.matches($0, name) } }
        return Array(Set(["public"] + declared + present).subtracting(excluded.filter { !declared.contains($0) })).sorted()
    }

    /// What the first lane reads, keyed by table oid until the end.
    struct Relations {
        var schema = PostgresSchema()
        var tables: [String: Table] = [:]
        var order: [String] = []
        var views: [String: View] = [:]
        var viewOrder: [String] = []
        var columnNames: [String: [Int: String]] = [:]
        var roleNames: [String: String] = [:]
        var nonDefaultOpclasses: [String: String] = [:]
    }

    static func readRelations(_ rows: (CatalogQuery) throws -> CatalogRows) throws -> Relations {
        var schema = PostgresSchema()
        var roleNames: [String: String] = [:]
        var tables: [String: Table] = [:]
        var order: [String] = []
        var columnNames: [String: [Int: String]] = [:]
        var views: [String: View] = [:]
        var viewOrder: [String] = []
        let presentSchemas = try rows(.schemas)
        schema.schemas = presentSchemas.compactMap { $0["nspname"] }.filter { !PostgresSchema.builtinSchemas.contains($0) }
        schema.extensions = try rows(.extensions).compactMap { $0["extname"] }
        for row in try rows(.roles) {
            roleNames[row["oid"]!] = row["rolname"]!
            schema.roles.append(row["rolname"]!)
        }

        // Enums.
        for row in try rows(.enums) {
            schema.enums.append(EnumType(name: QualifiedName(schema: row["schema"]!, name: row["name"]!), values: try strings(row["labels"]), comment: row["comment"]))
        }

        schema.domains = try domains(try rows(.domains))
        for row in try rows(.sequences) { schema.sequences.append(try sequence(row)) }

        // Functions.
        for row in try rows(.functions) {
            let volatility: Function.Volatility = row["volatility"] == "i" ? .immutable : row["volatility"] == "s" ? .stable : .volatile
            var function = Function(name: QualifiedName(schema: row["schema"]!, name: row["name"]!), arguments: row["arguments"] ?? "",
                                    returns: row["result"] ?? "", language: row["language"] ?? "", body: row["body"] ?? "",
                                    volatility: volatility, securityDefiner: row["security_definer"] == "t", comment: row["comment"])
            function.isProcedure = row["is_procedure"] == "t"
            function.isStrict = row["strict"] == "t"
            function.parallel = ["s": "safe", "r": "restricted"][row["parallel"] ?? ""]
            function.leakproof = row["leakproof"] == "t"
            let defaultCost = ["c", "internal"].contains(function.language) ? "1" : "100"
            // float4 prints 100 as "100"; a default is no setting.
            func setting(_ field: String, unless value: String) -> String? {
                row[field].map { $0.hasSuffix(".0") ? String($0.dropLast(2)) : $0 }.flatMap { $0 == value ? nil : $0 }
            }
            function.cost = setting("cost", unless: defaultCost)
            function.rows = row["returns_set"] == "t" ? setting("rows", unless: "1000") : nil
            function.settings = try textArray(row["settings"])
            if let definition = row["standard_definition"] {
                function.isStandardBody = true
                function.body = Self.standardBody(of: definition)
            }
            schema.functions.append(function)
        }

        // Tables (partitions are read as part of their parent).
        // Relations that belong to extensions, read once rather than excluded
        // in each query (which reads all of pg_depend each time).
        let extensionRelations = Set(try rows(.extensionRelations).compactMap { $0["objid"] })
        for row in try rows(.tables) where !extensionRelations.contains(row["oid"]!) {
            var t = Table(name: QualifiedName(schema: row["schema"]!, name: row["name"]!))
            t.rowLevelSecurity = row["row_security"] == "t"
            t.forceRowLevelSecurity = row["force_row_security"] == "t"
            t.comment = row["comment"]
            if let key = row["partition_key"] { t.partitioning = partitioning(key) }
            tables[row["oid"]!] = t
            order.append(row["oid"]!)
        }

        try readColumns(rows, into: &tables, names: &columnNames,
                        domains: Dictionary(schema.domains.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }))

        // Triggers (not the internal ones of constraints, not clones on partitions).
        for row in try rows(.triggers) {
            guard let oid = row["relid"], tables[oid] != nil, let bits = Int(row["type_bits"] ?? "") else { continue }
            let timing: Trigger.Timing = bits & 64 != 0 ? .insteadOf : bits & 2 != 0 ? .before : .after
            var events: [Trigger.Event] = []
            if bits & 4 != 0 { events.append(.insert) }
            if bits & 16 != 0 { events.append(.update) }
            if bits & 8 != 0 { events.append(.delete) }
            if bits & 32 != 0 { events.append(.truncate) }
            tables[oid]!.triggers.append(Trigger(name: row["name"]!, timing: timing, events: events, forEachRow: bits & 1 != 0,
                                                 function: QualifiedName(schema: row["function_schema"]!, name: row["function_name"]!),
                                                 arguments: triggerArguments(hex: row["arguments_hex"] ?? ""), when: triggerWhen(row["definition"] ?? "")))
        }

        // Partitions.
        for row in try rows(.partitions) {
            guard let oid = row["parent"], tables[oid] != nil else { continue }
            tables[oid]!.partitions.append(Partition(name: QualifiedName(schema: row["schema"]!, name: row["name"]!), bound: partitionBound(row["bound"] ?? "")))
        }

        // Views and materialized views.
        for row in try rows(.views) where !extensionRelations.contains(row["oid"]!) {
            views[row["oid"]!] = View(name: QualifiedName(schema: row["schema"]!, name: row["name"]!), query: row["definition"] ?? "", materialized: row["materialized"] == "t", comment: row["comment"],
                                  securityInvoker: row["security_invoker"] == "t")
            viewOrder.append(row["oid"]!)
        }

        for row in try rows(.viewReads) {
            guard let oid = row["view_oid"], let view = views[oid]?.name else { continue }
            schema.viewReads[view, default: []].insert(ColumnName(QualifiedName(schema: row["schema"]!, name: row["table_name"]!), row["column_name"]))
        }

        // Grants on tables and views, other than the owner's own.
        for row in try rows(.grants) {
            guard let oid = row["oid"], tables[oid] != nil || views[oid] != nil else { continue }
            let granted = try grants(textArray(row["acl"]), owner: row["owner"].flatMap { roleNames[$0] })
            if tables[oid] != nil { tables[oid]!.grants = granted } else { views[oid]!.grants = granted }
        }

        var nonDefaultOpclasses: [String: String] = [:]
        for row in try rows(.opclasses) { nonDefaultOpclasses[row["oid"]!] = row["name"]! }
        return Relations(schema: schema, tables: tables, order: order, views: views, viewOrder: viewOrder,
                         columnNames: columnNames, roleNames: roleNames, nonDefaultOpclasses: nonDefaultOpclasses)
    }

    /// Columns, with their types and defaults read apart (see the queries),
    /// into the tables read before; `names` gets each table's attribute numbers.
    static func readColumns(_ rows: (CatalogQuery) throws -> CatalogRows, into tables: inout [String: Table],
                            names columnNames: inout [String: [Int: String]], domains: [QualifiedName: Domain] = [:]) throws {
        var typeParts: [String: (isArray: Bool, typtype: String?, schema: String, name: String)] = [:]
        for row in try rows(.columnTypes) { typeParts[row["oid"]!] = (row["is_array"] == "t", row["typtype"], row["schema"]!, row["name"]!) }
        // Rows come table by table (ORDER BY relid): a table's defaults are
        // gathered while its columns are read.
        let defaultRows = try rows(.defaults)
        var nextDefault = 0
        var types: [String: PostgresType] = [:]  // a few distinct types over thousands of columns
        var current: (oid: String, columns: [Column], names: [Int: String], defaults: [Int: String])?
        func store() {
            guard let c = current else { return }
            tables[c.oid]!.columns = c.columns
            columnNames[c.oid] = c.names
        }
        for row in try rows(.columns) {
            guard let oid = row["relid"] else { continue }
            if current?.oid != oid {
                store()
                current = tables[oid] == nil ? nil : (oid, [], [:], [:])
                if current != nil {
                    // Defaults of earlier relations that are not read (an
                    // extension's) are passed over; both lists are in oid order.
                    while nextDefault < defaultRows.count, let relid = defaultRows[nextDefault]["relid"], relid != oid,
                          (UInt32(relid) ?? 0) < (UInt32(oid) ?? 0) { nextDefault += 1 }
                    while nextDefault < defaultRows.count, defaultRows[nextDefault]["relid"] == oid {
                        let d = defaultRows[nextDefault]
                        if let n = Int(d["attnum"] ?? ""), let text = d["expression"] { current!.defaults[n] = text }
                        nextDefault += 1
                    }
                }
            }
            guard current != nil, let attnum = Int(row["attnum"]!) else { continue }
            current!.names[attnum] = row["name"]!
            let typeKey = "\(row["type_oid"]!)\u{0}\(row["formatted_type"]!)\u{0}\(row["declared_array"]!)"
            let type = try types[typeKey] ?? {
                guard let parts = typeParts[row["type_oid"]!] else {
                    throw Failure(description: "unexpected catalog value: type \(row["type_oid"]!) of column \(row["name"]!)")
                }
                // format_type prints an array as its element followed by `[]`.
                var formatted = row["formatted_type"]!
                if parts.isArray, formatted.hasSuffix("[]") { formatted.removeLast(2) }
                let type = columnType(isArray: parts.isArray || row["declared_array"] == "t", typtype: parts.typtype, schema: parts.schema,
                                      name: parts.name, formatted: formatted, domains: domains)
                types[typeKey] = type
                return type
            }()
            var column = Column(name: row["name"]!, type: type, nullable: row["not_null"] != "t")
            switch row["identity"] {
            case "a": column.identity = .always
            case "d": column.identity = .byDefault
            default: break
            }
            let expression = current!.defaults[attnum]
            if row["generated"] == "s" { column.generated = expression } else if column.identity == nil { column.defaultSQL = expression }
            column.comment = row["comment"]
            current!.columns.append(column)
        }
        store()

    }

    static func readPrintedInTableContext(_ r: inout Relations, _ rows: (CatalogQuery) throws -> CatalogRows) throws {
        let columnNames = r.columnNames, roleNames = r.roleNames, nonDefaultOpclasses = r.nonDefaultOpclasses
        var tables = r.tables
        r.tables = [:]  // one owner, so that changing a table copies nothing
        defer { r.tables = tables }
        // Constraints.
        // Key columns are named from the columns read above; only a foreign
        // key to a table outside them has its table and columns named by the query.
        func referenced(_ row: CatalogRow) throws -> QualifiedName {
            if let schema = row["referenced_schema"], let name = row["referenced_table"] { return QualifiedName(schema: schema, name: name) }
            guard let oid = row["referenced_relid"], let table = tables[oid] else {
                throw Failure(description: "unexpected catalog value: relation \(row["referenced_relid"] ?? "") referenced by \(row["name"] ?? "")")
            }
            return table.name
        }
        var constraintIndexes: Set<String> = []  // the indexes of keys and exclusions, read as constraints
        for row in try rows(.constraints) {
            guard let oid = row["relid"], tables[oid] != nil else { continue }
            if let index = row["index_oid"], index != "0", row["kind"] != "f" { constraintIndexes.insert(index) }
            // An exclusion constraint may have expression keys (numbered 0): read by its text.
            if row["kind"] == "x" {
                var definition = Substring(row["check_definition"] ?? "")
                if definition.hasPrefix("EXCLUDE ") { definition = definition.dropFirst(8) }
                tables[oid]!.exclusions.append(ExclusionConstraint(name: row["name"]!, definition: String(definition)))
                continue
            }
            let name = row["name"]!, columns = try attributeNames(row["key_numbers"], of: oid, columnNames)
            if row["validated"] == "f" { tables[oid]!.notValidConstraints.insert(name) }
            if row["deferrable"] == "t", row["kind"] == "p" || row["kind"] == "u" { tables[oid]!.deferrableKeys.insert(name) }
            switch row["kind"] {
            case "p": tables[oid]!.primaryKey = PrimaryKey(name: name, columns: columns)
            case "u": tables[oid]!.uniques.append(UniqueConstraint(name: name, columns: columns, nullsNotDistinct: row["nulls_not_distinct"] == "t"))
            case "c":
                let definition = row["check_definition"] ?? ""
                let noInherit = definition.replacingOccurrences(of: " NOT VALID", with: "").hasSuffix(" NO INHERIT")
                tables[oid]!.checks.append(CheckConstraint(name: name, expression: checkExpression(definition), noInherit: noInherit))
            case "f":
                tables[oid]!.foreignKeys.append(ForeignKey(
                    name: name, columns: columns, referencedTable: try referenced(row),
                    referencedColumns: try row["referenced_columns"].map(strings) ?? attributeNames(row["referenced_numbers"], of: row["referenced_relid"]!, columnNames),
                    onDelete: action(row["on_delete"]), onUpdate: action(row["on_update"]), deferrable: row["deferrable"] == "t"))
            default: break
            }
        }

        // Indexes that do not back a constraint. Key columns are named from
        // the columns read above and operator classes from one small query;
        // only an index with expression keys has its keys printed, because
        // printing opens the index.
        for row in try rows(.indexes) {
            guard let oid = row["relid"], let indexOid = row["index_oid"], !constraintIndexes.contains(indexOid) else { continue }
            let ofView = tables[oid] == nil && r.views[oid]?.materialized == true
            guard tables[oid] != nil || ofView else { continue }
            let keyCount = Int(row["key_count"] ?? "0") ?? 0
            var index = Index(name: row["name"]!, keys: [], unique: row["is_unique"] == "t",
                              method: Index.Method(rawValue: row["method"] ?? "") ?? .btree, predicate: row["predicate"], comment: row["comment"])
            index.nullsNotDistinct = row["nulls_not_distinct"] == "t"
            let attnums = vector(row["attnums"]), opclasses = vector(row["opclasses"]), options = vector(row["options"])
            let printed = try strings(row["printed_keys"])
            for (k, attnum) in attnums.enumerated() {
                let column = attnum == "0" ? nil : ofView ? (k < printed.count ? unquoteIdentifier(printed[k]) : nil)
                    : Int(attnum).flatMap { columnNames[oid]?[$0] }
                if k >= keyCount {
                    if let column { index.include.append(column) }
                    continue
                }
                var key = Index.Key(column.map(Index.Key.Target.column) ?? .expression(k < printed.count ? printed[k] : ""))
                key.opclass = k < opclasses.count ? nonDefaultOpclasses[opclasses[k]] : nil
                let option = k < options.count ? Int(options[k]) ?? 0 : 0
                key.descending = option & 1 != 0
                let nullsFirst = option & 2 != 0
                if nullsFirst != key.descending { key.nullsFirst = nullsFirst }
                index.keys.append(key)
            }
            if ofView { r.views[oid]!.indexes.append(index) } else { tables[oid]!.indexes.append(index) }
        }

        // Policies.
        for row in try rows(.policies) {
            guard let oid = row["relid"], tables[oid] != nil else { continue }
            let command: Policy.Command = ["r": .select, "a": .insert, "w": .update, "d": .delete][row["command"] ?? "*"] ?? .all
            tables[oid]!.policies.append(Policy(name: row["name"]!, command: command, permissive: row["permissive"] == "t",
                                                roles: array(row["roles"]).compactMap { roleNames[$0] }.sorted(), using: row["using"], withCheck: row["with_check"]))
        }

    }

    // MARK: Reading catalog text

    /// An int2vector or oidvector as printed: numbers separated by spaces.
    static func vector(_ text: String?) -> [String] {
        text?.split(separator: " ").map(String.init) ?? []
    }

    /// A one-dimensional array of plain numbers as printed: `{1,2}`.
    static func array(_ text: String?) -> [String] {
        guard let text, text.count >= 2 else { return [] }
        return text.dropFirst().dropLast().split(separator: ",").map(String.init)
    }

    /// Attribute numbers (`{1,2}`) as column names of the table `oid`.
    static func attributeNames(_ numbers: String?, of oid: String, _ names: [String: [Int: String]]) throws -> [String] {
        try array(numbers).map { n in
            guard let number = Int(n), let name = names[oid]?[number] else {
                throw Failure(description: "unexpected catalog value: attribute \(n) of relation \(oid)")
            }
            return name
        }
    }

    /// The privileges an access list (`{"app=arwd/owner",…}`) grants to roles
    /// other than the owner and PUBLIC, a grant per role, by role name.
    static func grants(_ items: [String], owner: String?) throws -> [Grant] {
        let letters: [Character: Privilege] = ["r": .select, "a": .insert, "w": .update, "d": .delete, "D": .truncate,
                                               "x": .references, "t": .trigger]
        var byRole: [String: Set<Privilege>] = [:]
        for item in items {
            let (grantee, granted) = try aclItem(item)
            guard !grantee.isEmpty, grantee != owner else { continue }
            for letter in granted {
                if let privilege = letters[letter] { byRole[grantee, default: []].insert(privilege) }
            }
        }
        return byRole.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { Grant(role: $0.key, privileges: $0.value.sorted()) }
    }

    /// The grantee (empty for PUBLIC) and privilege letters of an access
    /// list item, `grantee=privileges/grantor`; the grantee double-quoted
    /// (quotes doubled) when it is not a plain name.
    public static func aclItem(_ item: String) throws -> (grantee: String, privileges: String) {
        var grantee = "", i = item.startIndex
        if item.first == "\"" {
            i = item.index(after: i)
            while i < item.endIndex {
                if item[i] == "\"" {
                    let next = item.index(after: i)
                    if next < item.endIndex, item[next] == "\"" { grantee.append("\""); i = item.index(after: next); continue }
                    i = next
                    break
                }
                grantee.append(item[i])
                i = item.index(after: i)
            }
        } else {
            while i < item.endIndex, item[i] != "=" { grantee.append(item[i]); i = item.index(after: i) }
        }
        guard i < item.endIndex, item[i] == "=", let slash = item[i...].firstIndex(of: "/") else {
            throw Failure(description: "unexpected catalog value: access list item \(item)")
        }
        return (grantee, String(item[item.index(after: i)..<slash]))
    }

    /// A one-dimensional text[] as printed: `{a,"b c","d\"e"}`.
    static func textArray(_ text: String?) throws -> [String] {
        guard let text else { return [] }
        guard text.first == "{", text.last == "}" else { throw Failure(description: "unexpected catalog value: \(text)") }
        var items: [String] = [], current = "", quoted = false, escaped = false, wasQuoted = false
        for ch in text.dropFirst().dropLast() {
            if escaped { current.append(ch); escaped = false; continue }
            switch ch {
            case "\\" where quoted: escaped = true
            case "\"": quoted.toggle(); wasQuoted = true
            case "," where !quoted:
                items.append(current); current = ""; wasQuoted = false
            default: current.append(ch)
            }
        }
        if !current.isEmpty || wasQuoted || !items.isEmpty { items.append(current) }
        return items
    }

    static func extensionMember(_ catalog: String, _ oid: String) -> String {
        "EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '\(catalog)'::regclass AND dep.objid = \(oid) AND dep.deptype = 'e')"
    }

    /// A text[] parameter: every element double-quoted and escaped.
    static func arrayLiteral(_ items: [String]) -> String {
        "{" + items.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }

    static func strings(_ json: String?) throws -> [String] {
        guard let json else { return [] }
        guard let value = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any] else {
            throw Failure(description: "unexpected catalog value: \(json)")
        }
        return value.compactMap { $0 as? String }
    }

    static func objects(_ json: String?) throws -> [[String: Any]] {
        guard let json else { return [] }
        return (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]) ?? []
    }

    /// Domains in the order they can be created: one over another after it.
    /// The body of a SQL-standard function out of `pg_get_functiondef`: its
    /// header lines (the signature, then attributes indented by one space)
    /// end where the first unindented line, `RETURN …` or `BEGIN ATOMIC`, starts.
    static func standardBody(of definition: String) -> String {
        let lines = definition.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.dropFirst().firstIndex(where: { !$0.hasPrefix(" ") && !$0.isEmpty }) else { return definition }
        var body = lines[start...].joined(separator: "\n")
        while body.hasSuffix("\n") { body.removeLast() }
        return body
    }

    static func domains(_ rows: CatalogRows) throws -> [Domain] {
        var byName: [QualifiedName: CatalogRow] = [:]
        var order: [QualifiedName] = []
        for row in rows {
            let name = QualifiedName(schema: row["schema"]!, name: row["name"]!)
            byName[name] = row
            order.append(name)
        }
        var done: [QualifiedName: Domain] = [:]
        var out: [Domain] = []
        func resolve(_ name: QualifiedName, _ seen: Set<QualifiedName>) throws {
            guard done[name] == nil, let row = byName[name], !seen.contains(name) else { return }
            let base = QualifiedName(schema: row["base_schema"]!, name: row["base_name"]!)
            if row["base_typtype"] == "d" { try resolve(base, seen.union([name])) }
            var formatted = row["formatted_type"]!
            let isArray = row["is_array"] == "t"
            if isArray, formatted.hasSuffix("[]") { formatted.removeLast(2) }
            let type = columnType(isArray: isArray, typtype: row["base_typtype"], schema: base.schema, name: base.name,
                                  formatted: formatted, domains: done)
            var parsed: [CheckConstraint] = []
            if let json = row["checks"], let pairs = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String]] {
                parsed = pairs.compactMap { $0.count == 2 ? CheckConstraint(name: $0[0], expression: checkExpression($0[1])) : nil }
            }
            let domain = Domain(name: name, type: type, notNull: row["not_null"] == "t", defaultSQL: row["default_sql"],
                                checks: parsed, comment: row["comment"])
            done[name] = domain
            out.append(domain)
        }
        for name in order { try resolve(name, []) }
        return out
    }

    static func sequence(_ row: CatalogRow) throws -> PostgresSequence {
        let name = QualifiedName(schema: row["schema"]!, name: row["name"]!)
        func number(_ field: String) throws -> Int {
            guard let text = row[field], let n = Int(text) else { throw Failure(description: "sequence \(name): \(field) is not a number") }
            return n
        }
        var owner: ColumnName?
        if let schema = row["owner_schema"], let table = row["owner_table"], let column = row["owner_column"] {
            owner = ColumnName(QualifiedName(schema: schema, name: table), column)
        }
        return PostgresSequence(name: name, type: PostgresSequence.DataType(rawValue: row["type"] ?? "") ?? .bigint,
                                start: try number("start"), increment: try number("increment"), minValue: try number("min"),
                                maxValue: try number("max"), cache: try number("cache"), cycle: row["cycle"] == "t", ownedBy: owner,
                                comment: row["comment"])
    }

    static func columnType(isArray: Bool, typtype: String?, schema: String, name: String, formatted: String,
                           domains: [QualifiedName: Domain] = [:]) -> PostgresType {
        if typtype == "d", let domain = domains[QualifiedName(schema: schema, name: name)] {
            return PostgresType(base: .domain(domain.name, over: domain.type), isArray: isArray)
        }
        if typtype == "e" {
            return PostgresType(base: .enumeration(QualifiedName(schema: schema, name: name)), isArray: isArray)
        }
        // An extension's type outside public is not one the DDL can name unqualified (its search_path is public).
        if let ext = ExtensionTypes.table[name], schema == "public" {
            let mods = PostgresType.splitSpelling(formatted)?.modifiers ?? []
            return PostgresType(base: .extensionType(name: name, extension: ext), modifiers: mods, isArray: isArray)
        }
        if let split = PostgresType.splitSpelling(formatted), let builtin = BuiltinType.spellings[split.base] {
            return PostgresType(base: .builtin(builtin), modifiers: split.modifiers, isArray: isArray)
        }
        return PostgresType(base: .extensionType(name: formatted, extension: ""), isArray: isArray)
    }

    static func partitioning(_ key: String) -> Partitioning? {
        // pg_get_partkeydef: `RANGE (created_at)`, `LIST (region)`, `HASH (org_id)`.
        guard let open = key.firstIndex(of: "("), key.hasSuffix(")"),
              let strategy = Partitioning.Strategy(rawValue: key[..<open].trimmingCharacters(in: .whitespaces).lowercased()) else { return nil }
        let inside = String(key[key.index(after: open)..<key.index(before: key.endIndex)])
        return Partitioning(strategy: strategy, columns: SQLText.splitTopLevel(inside, separator: ",").map(unquoteIdentifier))
    }

    static func unquoteIdentifier(_ text: String) -> String {
        guard text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 else { return text }
        return String(text.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
    }

    static func partitionBound(_ text: String) -> Partition.Bound {
        // Kept as PostgreSQL prints it; the diff compares normalized text.
        text == "DEFAULT" ? .default : .printed(text)
    }

    static func checkExpression(_ definition: String) -> String {
        // `CHECK (expr)` or `CHECK (expr) NOT VALID`.
        var text = Substring(definition)
        if text.hasPrefix("CHECK (") { text = text.dropFirst(7) }
        if text.hasSuffix(" NOT VALID") { text = text.dropLast(10) }
        if text.hasSuffix(" NO INHERIT") { text = text.dropLast(11) }
        if text.hasSuffix(")") { text = text.dropLast() }
        return String(text)
    }

    static func action(_ code: String?) -> ReferentialAction {
        switch code {
        case "r": .restrict
        case "c": .cascade
        case "n": .setNull
        case "d": .setDefault
        default: .noAction
        }
    }

    static func triggerArguments(hex: String) -> [String] {
        var bytes: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex, let next = hex.index(i, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[i..<next], radix: 16) ?? 0)
            i = next
        }
        var args = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if args.last == "" { args.removeLast() }
        return args
    }

    static func triggerWhen(_ definition: String) -> String? {
        guard let start = definition.range(of: " WHEN ("), let end = definition.range(of: ") EXECUTE ", options: .backwards),
              start.upperBound <= end.lowerBound else { return nil }
        return String(definition[start.upperBound..<end.lowerBound])
    }
}

/// `exclude_schemas` entries: a name, or a pattern where `*` matches any run of characters.
public enum SchemaPattern {
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return pattern == name }
        guard name.hasPrefix(parts[0]), name.dropFirst(parts[0].count).hasSuffix(parts[parts.count - 1]),
              name.count >= parts[0].count + parts[parts.count - 1].count else { return false }
        var rest = Substring(name.dropFirst(parts[0].count).dropLast(parts[parts.count - 1].count))
        for middle in parts.dropFirst().dropLast() where !middle.isEmpty {
            guard let range = rest.range(of: middle) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }
}

import Foundation
import SchemacDiagnostics
import SchemacModel
import Yams

// Enums, functions, triggers and views.
extension PostgresResolver {
    // MARK: Enums and functions

    mutating func resolveEnum(_ d: Declaration) {
        let r = d.reader
        var valuesNode: Node? = d.node
        var comment: String?
        if case .mapping = d.node {
            guard let f = r.fields(d.node, "enum '\(d.name.name)'", allowed: PostgresKeys.enumeration.names) else { return }
            valuesNode = f["values"]
            comment = f["comment"].flatMap { r.string($0, "comment") }
            if valuesNode == nil { r.report(.missingKey("values", in: "enum '\(d.name.name)'", at: f.location)) }
        }
        guard let node = valuesNode, let items = r.sequence(node, "the values of enum '\(d.name.name)'") else { return }
        var values: [String] = []
        var seen = Namespace(kind: "enum value")
        for item in items {
            guard let v = r.scalar(item, "an enum value") else { continue }
            if v.isEmpty { r.report(.emptyName("enum value", at: r.location(item))); continue }
            if Identifier.byteCount(v) > Identifier.maxBytes {
                r.report(.identifierTooLong(v, bytes: Identifier.byteCount(v), at: r.location(item)))
                continue
            }
            if seen.claim(v, at: r.location(item), r) { values.append(v) }
        }
        if items.isEmpty {
            r.report(.invalidValue("enum '\(d.name.name)' has no values", at: r.location(node)))
        }
        let e = EnumType(name: d.name, values: values, comment: comment)
        enumsByName[d.name] = e
        schema.enums.append(e)
    }


    mutating func resolveFunction(_ d: Declaration) {
        let r = d.reader
        let what = "function '\(d.name.name)'"
        guard let f = r.fields(d.node, what, allowed: PostgresKeys.function.names) else { return }
        let isProcedure = f["procedure"].flatMap { r.bool($0, "procedure") } ?? false
        if isProcedure, f["returns"] != nil || f["volatility"] != nil || f["strict"] != nil {
            r.report(.conflictingKeys("procedure", f["returns"] != nil ? "returns" : f["volatility"] != nil ? "volatility" : "strict", in: what, at: f.location))
            return
        }
        guard isProcedure || f["returns"] != nil else { r.report(.missingKey("returns", in: what, at: f.location)); return }
        if f["body"] != nil, f["sql_body"] != nil {
            r.report(.conflictingKeys("body", "sql_body", in: what, at: f.location))
            return
        }
        let bodyKey = f["sql_body"] != nil ? "sql_body" : "body"
        guard let bodyNode = f[bodyKey] else { r.report(.missingKey("body", in: what, at: f.location)); return }
        guard let returns = isProcedure ? "" : f["returns"].flatMap({ r.string($0, "returns") }), let body = r.string(bodyNode, bodyKey) else { return }
        // A SQL-standard body is SQL's own: it has no other language.
        let language = f["language"].flatMap { r.name($0, "language") } ?? (bodyKey == "sql_body" ? "sql" : "plpgsql")
        if bodyKey == "sql_body", language != "sql", let node = f["language"] {
            r.report(.conflictingKeys("sql_body", "language: \(language)", in: what, at: r.location(node)))
            return
        }
        let volatility: Function.Volatility? = f["volatility"].flatMap {
            r.choice($0, "volatility", [("volatile", .volatile), ("stable", .stable), ("immutable", .immutable)])
        }
        var fn = Function(name: d.name, arguments: f["args"].flatMap { r.string($0, "args") } ?? "", returns: returns,
                          language: language, body: body, volatility: volatility,
                          securityDefiner: f["security_definer"].flatMap { r.bool($0, "security_definer") } ?? false,
                          comment: f["comment"].flatMap { r.string($0, "comment") })
        fn.isProcedure = isProcedure
        fn.isStandardBody = bodyKey == "sql_body"
        fn.isStrict = f["strict"].flatMap { r.bool($0, "strict") } ?? false
        resolveFunctionSettings(&fn, f, r)
        functionsByName[d.name] = fn
        schema.functions.append(fn)
    }


    /// PARALLEL, LEAKPROOF, COST, ROWS and SET, written as the server
    /// reads them back (a default is no setting).
    func resolveFunctionSettings(_ fn: inout Function, _ f: Fields, _ r: NodeReader) {
        let parallel = f["parallel"].flatMap { r.choice($0, "parallel", [("safe", "safe"), ("restricted", "restricted"), ("unsafe", "unsafe")]) }
        fn.parallel = parallel == "unsafe" ? nil : parallel
        fn.leakproof = f["leakproof"].flatMap { r.bool($0, "leakproof") } ?? false
        func number(_ key: String, default value: String) -> String? {
            guard let node = f[key], let text = r.string(node, key) else { return nil }
            guard let n = Double(text), n > 0 else { r.report(.invalidValue("\(key) must be a positive number", at: r.location(node))); return nil }
            let printed = n == n.rounded() ? String(Int(n)) : String(n)
            return printed == value ? nil : printed
        }
        fn.cost = number("cost", default: ["c", "internal"].contains(fn.language) ? "1" : "100")
        fn.rows = number("rows", default: "1000")
        if let node = f["set"], let entries = r.namedEntries(node, "set") {
            for e in entries { if let value = r.string(e.value, e.key) { fn.settings.append("\(e.key)=\(value)") } }
        }
    }

    func resolveTrigger(_ entry: Fields.Entry, _ r: NodeReader, defaultSchema: String) -> Trigger? {
        let what = "trigger '\(entry.key)'"
        guard let f = r.fields(entry.value, what, allowed: PostgresKeys.trigger.names) else { return nil }
        guard let fnNode = f["function"] else { r.report(.missingKey("function", in: what, at: f.location)); return nil }
        guard let fnName = r.name(fnNode, "function") else { return nil }
        let fn = QualifiedName(parsing: fnName, defaultSchema: defaultSchema)
        if fn.schema != "pg_catalog" {
            guard let def = functionsByName[fn] else {
                let names = functionsByName.keys.map { $0.display(defaultSchema: defaultSchema) }
                r.report(.unknownFunction(fnName, suggestion: Spelling.closest(to: fnName, among: names), at: r.location(fnNode)))
                return nil
            }
            if def.returns.lowercased() != "trigger" {
                r.report(.invalidValue("function '\(fnName)' returns \(def.returns), but a trigger function must return trigger", at: r.location(fnNode)))
            }
        }
        guard let timingNode = f["timing"] else { r.report(.missingKey("timing", in: what, at: f.location)); return nil }
        guard let eventsNode = f["events"] else { r.report(.missingKey("events", in: what, at: f.location)); return nil }
        guard let timing = r.choice(timingNode, "trigger timing", [("before", Trigger.Timing.before), ("after", .after), ("instead_of", .insteadOf), ("instead of", .insteadOf)]),
              let words = r.stringList(eventsNode, "events", allowSingle: true) else { return nil }
        var events: [Trigger.Event] = []
        for w in words {
            guard let e = Trigger.Event(rawValue: w.lowercased()) else {
                r.report(.invalidValue(w, for: "trigger event", allowed: Trigger.Event.allCases.map(\.rawValue), at: r.location(eventsNode)))
                return nil
            }
            if !events.contains(e) { events.append(e) }
        }
        if events.isEmpty { r.report(.invalidValue("a trigger needs at least one event", at: r.location(eventsNode))); return nil }
        let row = f["for_each"].flatMap { r.choice($0, "for_each", [("row", true), ("statement", false)]) } ?? true
        return Trigger(name: entry.key, timing: timing, events: events, forEachRow: row, function: fn,
                       arguments: f["args"].flatMap { r.stringList($0, "args", allowSingle: true) } ?? [],
                       when: f["when"].flatMap { r.string($0, "when") })
    }


    // MARK: Views

    mutating func resolveView(_ d: Declaration) {
        let r = d.reader
        let what = "view '\(d.name.display(defaultSchema: d.defaultSchema))'"
        guard let f = r.fields(d.node, what, allowed: PostgresKeys.view.names) else { return }
        guard let sqlNode = f["sql"] else { r.report(.missingKey("sql", in: what, at: f.location)); return }
        guard let sql = r.string(sqlNode, "sql") else { return }
        if sql.trimmingTrailingSQLNoise().allSatisfy(\.isWhitespace) {
            r.report(.invalidValue("\(what) has an empty query", at: r.location(sqlNode)))
            return
        }
        let materialized = f["materialized"].flatMap { r.bool($0, "materialized") } ?? false
        let reads = viewReads(sql, of: d, at: r.location(sqlNode))
        viewDependencies[d.name] = (reads.filter { declaredViews.contains($0) }, r.location(sqlNode))
        // A view reads as its owner unless told otherwise, row level security
        // included: over a tenant table it would show every tenant's rows.
        let readsRowSecure = reads.contains { rowSecureTables.contains($0) }
        let explicit = f["security_invoker"].flatMap { r.bool($0, "security_invoker") }
        if explicit != nil { explicitSecurityInvoker.insert(d.name) }
        if materialized, explicit == true {
            r.report(.invalidValue("\(what): a materialized view has no security_invoker; its rows are stored as its owner read them",
                                   at: r.location(f["security_invoker"]!)))
        }
        var view = View(name: d.name, query: sql, materialized: materialized,
                        comment: f["comment"].flatMap { r.string($0, "comment") },
                        grants: f["grants"].map { resolveGrants($0, r) } ?? [],
                        securityInvoker: !materialized && (explicit ?? readsRowSecure))
        if let node = f["indexes"] {
            if !materialized {
                r.report(.invalidValue("\(what): only a materialized view has indexes (a plain view stores no rows)", at: r.location(node)))
            } else if let items = r.sequence(node, "indexes") {
                // The view's columns are its query's: the server checks the keys when it builds the scratch copy.
                for item in items {
                    guard let index = resolveIndex(item, d, r, { _, _ in true }) else { continue }
                    claimRelation(QualifiedName(schema: d.name.schema, name: index.name), display: index.name, at: r.location(item), r,
                                  owner: .constraint)
                    view.indexes.append(index)
                }
            }
        }
        schema.views.append(view)
    }

    /// The tables and views a view's query names, each checked to exist. The
    /// query runs with search_path public (see the migration header), so an
    /// unqualified name is a relation in public, or a system one.
    mutating func viewReads(_ sql: String, of d: Declaration, at location: SourceLocation) -> [QualifiedName] {
        var reads: [QualifiedName] = []
        for ref in ViewRelations.references(in: sql) {
            let schemaName = ref.schema ?? "public"
            if ["pg_catalog", "information_schema"].contains(schemaName) || ref.schema == nil && ref.name.hasPrefix("pg_") { continue }
            let name = QualifiedName(schema: schemaName, name: ref.name)
            if knownRelations.contains(name) {
                if !reads.contains(name) { reads.append(name) }
                continue
            }
            // Outside the definitions: an extension's or another schema's relation
            // the definitions do not manage would not be known here either.
            let inSchema = knownRelations.filter { $0.schema == schemaName }.map(\.name)
            var suggestion = Spelling.closest(to: ref.name, among: inSchema).map { QualifiedName(schema: schemaName, name: $0).display(defaultSchema: "public") }
            if ref.schema == nil, let elsewhere = knownRelations.first(where: { $0.name == ref.name }) {
                suggestion = elsewhere.description
            }
            d.reader.report(.unknownTable(name.display(defaultSchema: "public"), suggestion: suggestion, in: "the query of view '\(d.name.display(defaultSchema: "public"))'",
                                          at: location))
        }
        return reads
    }

    /// A view over a view that reads as its invoker must read as its invoker
    /// too: as its owner, it would run the inner view as the owner.
    mutating func inheritSecurityInvoker() {
        var changed = true
        while changed {
            changed = false
            let invokers = Set(schema.views.filter(\.securityInvoker).map(\.name))
            for i in schema.views.indices where !schema.views[i].securityInvoker && !schema.views[i].materialized
                && !explicitSecurityInvoker.contains(schema.views[i].name) {
                if viewDependencies[schema.views[i].name]?.reads.contains(where: invokers.contains) == true {
                    schema.views[i].securityInvoker = true
                    changed = true
                }
            }
        }
    }

    /// Views that read each other, which no database can create.
    mutating func checkViewCycles() {
        var state: [QualifiedName: Int] = [:]  // 1 visiting, 2 done
        var reported = Set<QualifiedName>()
        func visit(_ v: QualifiedName, _ path: [QualifiedName]) {
            if state[v] == 2 { return }
            if state[v] == 1 {
                let cycle = Array(path.drop { $0 != v }) + [v]
                guard let (_, location) = viewDependencies[v], !cycle.contains(where: reported.contains) else { return }
                reported.formUnion(cycle)
                let r = decls.views.first { $0.name == v }!.reader
                r.report(.viewCycle(cycle.map { $0.display(defaultSchema: "public") }, at: location))
                return
            }
            state[v] = 1
            for next in viewDependencies[v]?.reads ?? [] { visit(next, path + [v]) }
            state[v] = 2
        }
        for d in decls.views { visit(d.name, []) }
    }
}

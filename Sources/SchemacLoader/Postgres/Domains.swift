import SchemacDiagnostics
import SchemacModel
import Yams

// Domains: `postgres.domains: {name: type}` or `{name: {type, not_null,
// default | default_sql, check | checks: {name: expr}, comment}}`; checks
// name the value `VALUE`.
extension PostgresResolver {
    /// In the order they can be built: a domain over another waits for it,
    /// whatever order the files declare them in.
    mutating func resolveDomains() {
        var pending = decls.domains
        while !pending.isEmpty {
            let ready = pending.filter { d in typeText(of: d).map { dependsOnPending($0, d, pending) == false } ?? true }
            // A cycle, or a type that names nothing known: resolved as they are, which reports them.
            let batch = ready.isEmpty ? pending : ready
            for d in batch { resolveDomain(d) }
            let done = Set(batch.map(\.name))
            pending.removeAll { done.contains($0.name) }
        }
    }

    private func typeText(of d: Declaration) -> String? {
        if case .scalar(let s) = d.node { return s.string }
        if case .mapping(let m) = d.node, let t = m["type"], case .scalar(let s) = t { return s.string }
        return nil
    }

    private func dependsOnPending(_ written: String, _ d: Declaration, _ pending: [Declaration]) -> Bool {
        var text = written.trimmedSpaces()
        while text.hasSuffix("[]") { text = String(text.dropLast(2)).trimmedSpaces() }
        let name = QualifiedName(parsing: text, defaultSchema: d.defaultSchema)
        return name != d.name && pending.contains { $0.name == name }
    }

    mutating func resolveDomain(_ d: Declaration) {
        let r = d.reader
        let what = "domain '\(d.name.name)'"
        var f: Fields?
        let typeNode: Node?
        if case .mapping = d.node {
            guard let fields = r.fields(d.node, what, allowed: PostgresKeys.domain.names) else { return }
            f = fields
            typeNode = fields["type"]
            if typeNode == nil { r.report(.missingKey("type", in: what, at: fields.location)); return }
        } else {
            typeNode = d.node
        }
        guard let typeNode, let written = r.string(typeNode, "the type of \(what)"),
              let type = resolveType(written, typeNode, r, defaultSchema: d.defaultSchema) else { return }
        var domain = Domain(name: d.name, type: type)
        if let f {
            domain.notNull = f["not_null"].flatMap { r.bool($0, "not_null") } ?? false
            domain.comment = f["comment"].flatMap { r.string($0, "comment") }
            if f["default"] != nil, f["default_sql"] != nil {
                r.report(.conflictingKeys("default", "default_sql", in: what, at: f.location))
            } else if let node = f["default"] {
                domain.defaultSQL = literalDefault(node, column: Column(name: d.name.name, type: type), kind: "domain", r)
            } else if let node = f["default_sql"] {
                domain.defaultSQL = r.string(node, "default_sql")
            }
            domain.checks = domainChecks(f, of: d)
        }
        domainsByName[d.name] = domain
        schema.domains.append(domain)
    }

    /// `check: expr` is named `<domain>_check`, as PostgreSQL would name it.
    private func domainChecks(_ f: Fields, of d: Declaration) -> [CheckConstraint] {
        let r = d.reader
        var checks: [CheckConstraint] = []
        var names = Namespace(kind: "check")
        if let node = f["check"], let expression = r.string(node, "check") {
            let name = Identifier.derived(d.name.name, nil, label: "check")
            if names.claim(name, at: r.location(node), r) { checks.append(CheckConstraint(name: name, expression: expression)) }
        }
        if let node = f["checks"], let entries = r.namedEntries(node, "the checks of domain '\(d.name.name)'") {
            for entry in entries {
                guard checkIdentifier(entry.key, entry.keyNode, r), let expression = r.string(entry.value, "check") else { continue }
                if names.claim(entry.key, at: r.location(entry.keyNode), r) {
                    checks.append(CheckConstraint(name: entry.key, expression: expression))
                }
            }
        }
        return checks
    }
}

import Foundation
import SchemacDiagnostics
import SchemacModel
import Yams

// Row level security policies and privileges.
extension PostgresResolver {
    func resolvePolicy(_ entry: Fields.Entry, _ r: NodeReader) -> Policy? {
        let what = "policy '\(entry.key)'"
        guard let f = r.fields(entry.value, what, allowed: PostgresKeys.policy.names) else { return nil }
        var policy = Policy(name: entry.key)
        if let n = f["for"] { policy.command = r.choice(n, "policy command", Policy.Command.allCases.map { ($0.rawValue, $0) }) ?? .all }
        if let n = f["as"] { policy.permissive = r.choice(n, "policy kind", [("permissive", true), ("restrictive", false)]) ?? true }
        if let n = f["to"], let roles = r.stringList(n, "to", allowSingle: true) {
            policy.roles = checkRoles(roles.filter { $0.lowercased() != "public" }, n, r)
        }
        policy.using = f["using"].flatMap { r.string($0, "using") }
        policy.withCheck = f["with_check"].flatMap { r.string($0, "with_check") }
        if policy.using == nil && policy.withCheck == nil {
            r.report(.missingKey("using", in: what, at: f.location))
            return nil
        }
        if policy.command == .insert, policy.using != nil {
            r.report(.invalidValue("an insert policy takes only with_check, not using", at: r.location(f.keyNode("using")!)))
        }
        if [.select, .delete].contains(policy.command), policy.withCheck != nil {
            r.report(.invalidValue("a \(policy.command.rawValue) policy takes only using, not with_check", at: r.location(f.keyNode("with_check")!)))
        }
        return policy
    }

    func checkRoles(_ roles: [String], _ node: Node, _ r: NodeReader) -> [String] {
        for role in roles where !roleSet.contains(role) {
            r.report(.unknownRole(role, suggestion: Spelling.closest(to: role, among: roleSet), at: r.location(node)))
        }
        return roles
    }

    func resolveGrants(_ node: Node, _ r: NodeReader) -> [Grant] {
        var grants: [Grant] = []
        var seen = Namespace(kind: "grant for role")
        for entry in r.namedEntries(node, "grants") ?? [] {
            guard seen.claim(entry.key, at: r.location(entry.keyNode), r) else { continue }
            if !roleSet.contains(entry.key) {
                r.report(.unknownRole(entry.key, suggestion: Spelling.closest(to: entry.key, among: roleSet), at: r.location(entry.keyNode)))
                continue
            }
            guard let words = r.stringList(entry.value, "the privileges of '\(entry.key)'", allowSingle: true) else { continue }
            var privileges: [Privilege] = []
            for word in words {
                if word.lowercased() == "all" { privileges = Privilege.allCases; break }
                if let p = Privilege(rawValue: word.lowercased()) {
                    if !privileges.contains(p) { privileges.append(p) }
                } else {
                    r.report(.invalidValue(word, for: "privilege", allowed: Privilege.allCases.map(\.rawValue) + ["all"], at: r.location(entry.value)))
                }
            }
            if !privileges.isEmpty { grants.append(Grant(role: entry.key, privileges: privileges.sorted())) }
        }
        return grants
    }
}

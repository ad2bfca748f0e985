import Foundation
import SchemacDiagnostics

/// A compact binary form of the model, for caching resolved definitions: a
/// thousand tables decode in a few milliseconds, where Codable's JSON takes a
/// third of a second. Fields are written in declaration order, without names;
/// `CompactCoding.formatVersion` changes whenever a model type's fields do.
public enum CompactCoding {
    public static let formatVersion = 18

    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    public static func encode<T: CompactCodable>(_ value: T) -> [UInt8] {
        var e = encoder()
        value.encode(to: &e)
        return e.bytes
    }

    /// An encoder with the format version written, for writing a value in parts.
    public static func encoder() -> CompactEncoder {
        var e = CompactEncoder()
        e.write(formatVersion)
        return e
    }

    public static func decode<T: CompactCodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        var d = try decoder(bytes)
        return try d.finish(T.self)
    }

    /// A decoder past the format version, for reading a value in parts.
    public static func decoder(_ bytes: [UInt8]) throws -> CompactDecoder {
        var d = CompactDecoder(bytes)
        guard try d.read(Int.self) == formatVersion else { throw Failure(description: "another format version") }
        return d
    }
}

public protocol CompactCodable {
    func encode(to e: inout CompactEncoder)
    init(from d: inout CompactDecoder) throws
}

public struct CompactEncoder {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write<T: CompactCodable>(_ value: T) { value.encode(to: &self) }

    /// Unsigned LEB128; negative numbers are zigzagged first.
    mutating func writeVarint(_ n: UInt64) {
        var n = n
        while n >= 0x80 {
            bytes.append(UInt8(n & 0x7F) | 0x80)
            n >>= 7
        }
        bytes.append(UInt8(n))
    }

    mutating func writeBytes<C: Collection>(_ c: C) where C.Element == UInt8 {
        writeVarint(UInt64(c.count))
        bytes.append(contentsOf: c)
    }
}

public struct CompactDecoder {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { offset == bytes.count }

    public mutating func read<T: CompactCodable>(_ type: T.Type = T.self) throws -> T { try T(from: &self) }

    /// The last value: nothing may follow it.
    public mutating func finish<T: CompactCodable>(_ type: T.Type = T.self) throws -> T {
        let value = try T(from: &self)
        guard atEnd else { throw CompactCoding.Failure(description: "trailing bytes") }
        return value
    }

    mutating func readVarint() throws -> UInt64 {
        var value: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 64 else { throw CompactCoding.Failure(description: "truncated number") }
            let b = bytes[offset]
            offset += 1
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
        }
    }

    /// A count of things still to read: never more than the bytes left.
    mutating func readCount() throws -> Int {
        let n = try readVarint()
        guard n <= UInt64(bytes.count - offset) else { throw CompactCoding.Failure(description: "count beyond the data") }
        return Int(n)
    }

    mutating func readString() throws -> String {
        let count = try readCount()
        defer { offset += count }
        return String(decoding: bytes[offset..<(offset + count)], as: UTF8.self)
    }

    mutating func readRaw<T: RawRepresentable>(_ type: T.Type) throws -> T where T.RawValue == String {
        let raw = try readString()
        guard let value = T(rawValue: raw) else { throw CompactCoding.Failure(description: "unknown \(T.self) '\(raw)'") }
        return value
    }
}

// MARK: Building blocks

extension Int: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.writeVarint(UInt64(bitPattern: Int64((self << 1) ^ (self >> (Int.bitWidth - 1)))))
    }
    public init(from d: inout CompactDecoder) throws {
        let z = try d.readVarint()
        self = Int(Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1))))
    }
}

extension Bool: CompactCodable {
    public func encode(to e: inout CompactEncoder) { e.writeVarint(self ? 1 : 0) }
    public init(from d: inout CompactDecoder) throws { self = try d.readVarint() != 0 }
}

extension String: CompactCodable {
    public func encode(to e: inout CompactEncoder) { e.writeBytes(utf8) }
    public init(from d: inout CompactDecoder) throws { self = try d.readString() }
}

extension Optional: CompactCodable where Wrapped: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        switch self {
        case nil: e.writeVarint(0)
        case let value?: e.writeVarint(1); value.encode(to: &e)
        }
    }
    public init(from d: inout CompactDecoder) throws {
        self = try d.readVarint() == 0 ? nil : try Wrapped(from: &d)
    }
}

extension Array: CompactCodable where Element: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.writeVarint(UInt64(count))
        for x in self { x.encode(to: &e) }
    }
    public init(from d: inout CompactDecoder) throws {
        let count = try d.readCount()
        self = []
        reserveCapacity(count)
        for _ in 0..<count { append(try Element(from: &d)) }
    }
}

/// String-backed enums are written by name, so that reordering cases does not
/// silently change what a cache means.
public protocol CompactRawCodable: CompactCodable, RawRepresentable where RawValue == String {}

extension CompactRawCodable {
    public func encode(to e: inout CompactEncoder) { rawValue.encode(to: &e) }
    public init(from d: inout CompactDecoder) throws { self = try d.readRaw(Self.self) }
}

extension Function.Volatility: CompactRawCodable {}
extension Column.Identity: CompactRawCodable {}
extension ReferentialAction: CompactRawCodable {}
extension Index.Method: CompactRawCodable {}
extension Policy.Command: CompactRawCodable {}
extension Privilege: CompactRawCodable {}
extension Trigger.Timing: CompactRawCodable {}
extension Trigger.Event: CompactRawCodable {}
extension Partitioning.Strategy: CompactRawCodable {}
extension BuiltinType: CompactRawCodable {}
extension PostgresSequence.DataType: CompactRawCodable {}

// MARK: The model

extension QualifiedName: CompactCodable {
    public func encode(to e: inout CompactEncoder) { e.write(schema); e.write(name) }
    public init(from d: inout CompactDecoder) throws { self.init(schema: try d.read(), name: try d.read()) }
}

extension PostgresType: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        switch base {
        case .builtin(let b): e.writeVarint(0); e.write(b)
        case .extensionType(let name, let ext): e.writeVarint(1); e.write(name); e.write(ext)
        case .enumeration(let name): e.writeVarint(2); e.write(name)
        case .domain(let name, let over): e.writeVarint(3); e.write(name); e.write(over)
        }
        e.write(modifiers)
        e.write(isArray)
    }
    public init(from d: inout CompactDecoder) throws {
        let base: Base
        switch try d.readVarint() {
        case 0: base = .builtin(try d.read())
        case 1: base = .extensionType(name: try d.read(), extension: try d.read())
        case 2: base = .enumeration(try d.read())
        case 3: base = .domain(try d.read(), over: try d.read())
        default: throw CompactCoding.Failure(description: "unknown type kind")
        }
        self.init(base: base, modifiers: try d.read(), isArray: try d.read())
    }
}

extension EnumType: CompactCodable {
    public func encode(to e: inout CompactEncoder) { e.write(name); e.write(values); e.write(comment) }
    public init(from d: inout CompactDecoder) throws { self.init(name: try d.read(), values: try d.read(), comment: try d.read()) }
}

extension ColumnName: CompactCodable {
    public func encode(to e: inout CompactEncoder) { e.write(relation); e.write(column) }
    public init(from d: inout CompactDecoder) throws { self.init(try d.read(), try d.read()) }
}

extension ExclusionConstraint: CompactCodable {
    public func encode(to e: inout CompactEncoder) { e.write(name); e.write(definition) }
    public init(from d: inout CompactDecoder) throws { self.init(name: try d.read(), definition: try d.read()) }
}

extension Domain: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.write(name); e.write(type); e.write(notNull); e.write(defaultSQL); e.write(checks); e.write(comment)
    }
    public init(from d: inout CompactDecoder) throws {
        self.init(name: try d.read(), type: try d.read(), notNull: try d.read(), defaultSQL: try d.read(), checks: try d.read(),
                  comment: try d.read())
    }
}

extension PostgresSequence: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.write(name); e.write(type); e.write(start); e.write(increment); e.write(minValue); e.write(maxValue); e.write(cache)
        e.write(cycle); e.write(ownedBy); e.write(comment)
    }
    public init(from d: inout CompactDecoder) throws {
        self.init(name: try d.read(), type: try d.read(), start: try d.read(Int.self), increment: try d.read(), minValue: try d.read(Int.self),
                  maxValue: try d.read(Int.self), cache: try d.read(), cycle: try d.read(), ownedBy: try d.read(), comment: try d.read())
    }
}

extension Function: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.write(name); e.write(arguments); e.write(returns); e.write(language); e.write(body)
        e.write(volatility); e.write(securityDefiner); e.write(comment); e.write(isProcedure); e.write(isStandardBody); e.write(isStrict)
        e.write(parallel); e.write(leakproof); e.write(cost); e.write(rows); e.write(settings)
    }
    public init(from d: inout CompactDecoder) throws {
        self.init(name: try d.read(), arguments: try d.read(), returns: try d.read(), language: try d.read(), body: try d.read(),
                  volatility: try d.read(), securityDefiner: try d.read(), comment: try d.read())
        isProcedure = try d.read()
        isStandardBody = try d.read()
        isStrict = try d.read()
        parallel = try d.read(); leakproof = try d.read(); cost = try d.read(); rows = try d.read(); settings = try d.read()
    }
}

extension Column: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.write(name); e.write(type); e.write(nullable); e.write(defaultSQL); e.write(identity); e.write(generated)
        e.write(comment); e.write(renamedFrom)
    }
    public init(from d: inout CompactDecoder) throws {
        self.init(name: try d.read(), type: try d.read(), nullable: try d.read(), defaultSQL: try d.read(), identity: try d.read(),
                  generated: try d.read(), comment: try d.read(), renamedFrom: try d.read())
    }
}

extension PrimaryKey: CompactCodable {
    public func encode(to e: inout CompactEncoder) { e.write(name); e.write(columns) }
    public init(from d: inout CompactDecoder) throws { self.init(name: try d.read(), columns: try d.read()) }
}

extension UniqueConstraint: CompactCodable {
    public func encode(to e: inout CompactEncoder) { e.write(name); e.write(columns); e.write(nullsNotDistinct) }
    public init(from d: inout CompactDecoder) throws { self.init(name: try d.read(), columns: try d.read(), nullsNotDistinct: try d.read()) }
}

extension CheckConstraint: CompactCodable {
    public func encode(to e: inout CompactEncoder) { e.write(name); e.write(expression); e.write(noInherit) }
    public init(from d: inout CompactDecoder) throws { self.init(name: try d.read(), expression: try d.read(), noInherit: try d.read()) }
}

extension ForeignKey: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.write(name); e.write(columns); e.write(referencedTable); e.write(referencedColumns)
        e.write(onDelete); e.write(onUpdate); e.write(deferrable)
    }
    public init(from d: inout CompactDecoder) throws {
        self.init(name: try d.read(), columns: try d.read(), referencedTable: try d.read(), referencedColumns: try d.read(),
                  onDelete: try d.read(), onUpdate: try d.read(), deferrable: try d.read())
    }
}

extension Index.Key: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        switch target {
        case .column(let c): e.writeVarint(0); e.write(c)
        case .expression(let x): e.writeVarint(1); e.write(x)
        }
        e.write(opclass); e.write(descending); e.write(nullsFirst)
    }
    public init(from d: inout CompactDecoder) throws {
        let target: Target = try d.readVarint() == 0 ? .column(try d.read()) : .expression(try d.read())
        self.init(target, opclass: try d.read(), descending: try d.read(), nullsFirst: try d.read())
    }
}

extension Index: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.write(name); e.write(keys); e.write(unique); e.write(method); e.write(include); e.write(predicate); e.write(comment)
        e.write(nullsNotDistinct)
    }
    public init(from d: inout CompactDecoder) throws {
        self.init(name: try d.read(), keys: try d.read(), unique: try d.read(), method: try d.read(), include: try d.read(),
                  predicate: try d.read(), comment: try d.read())
        nullsNotDistinct = try d.read()
    }
}

extension Policy: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.write(name); e.write(command); e.write(permissive); e.write(roles); e.write(using); e.write(withCheck)
    }
    public init(from d: inout CompactDecoder) throws {
        self.init(name: try d.read(), command: try d.read(), permissive: try d.read(), roles: try d.read(), using: try d.read(),
                  withCheck: try d.read())
    }
}

extension Grant: CompactCodable {
    public func encode(to e: inout CompactEncoder) { e.write(role); e.write(privileges) }
    public init(from d: inout CompactDecoder) throws { self.init(role: try d.read(), privileges: try d.read()) }
}

extension Trigger: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.write(name); e.write(timing); e.write(events); e.write(forEachRow); e.write(function); e.write(arguments); e.write(when)
    }
    public init(from d: inout CompactDecoder) throws {
        self.init(name: try d.read(), timing: try d.read(), events: try d.read(), forEachRow: try d.read(), function: try d.read(),
                  arguments: try d.read(), when: try d.read())
    }
}

extension Partitioning: CompactCodable {
    public func encode(to e: inout CompactEncoder) { e.write(strategy); e.write(columns) }
    public init(from d: inout CompactDecoder) throws { self.init(strategy: try d.read(), columns: try d.read()) }
}

extension Partition: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.write(name)
        switch bound {
        case .range(let from, let to): e.writeVarint(0); e.write(from); e.write(to)
        case .list(let values): e.writeVarint(1); e.write(values)
        case .hash(let modulus, let remainder): e.writeVarint(2); e.write(modulus); e.write(remainder)
        case .default: e.writeVarint(3)
        case .printed(let text): e.writeVarint(4); e.write(text)
        }
    }
    public init(from d: inout CompactDecoder) throws {
        let name: QualifiedName = try d.read()
        let bound: Bound
        switch try d.readVarint() {
        case 0: bound = .range(from: try d.read(), to: try d.read())
        case 1: bound = .list(try d.read())
        case 2: bound = .hash(modulus: try d.read(), remainder: try d.read())
        case 3: bound = .default
        case 4: bound = .printed(try d.read())
        default: throw CompactCoding.Failure(description: "unknown partition bound")
        }
        self.init(name: name, bound: bound)
    }
}

extension Table: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.write(name); e.write(columns); e.write(primaryKey); e.write(uniques); e.write(checks); e.write(foreignKeys)
        e.write(indexes); e.write(rowLevelSecurity); e.write(forceRowLevelSecurity); e.write(policies); e.write(grants)
        e.write(triggers); e.write(comment); e.write(partitioning); e.write(partitions); e.write(renamedFrom); e.write(exclusions)
    }
    public init(from d: inout CompactDecoder) throws {
        self.init(name: try d.read(), columns: try d.read(), primaryKey: try d.read(), uniques: try d.read(), checks: try d.read(),
                  foreignKeys: try d.read(), indexes: try d.read(), rowLevelSecurity: try d.read(),
                  forceRowLevelSecurity: try d.read(), policies: try d.read(), grants: try d.read(), triggers: try d.read(),
                  comment: try d.read(), partitioning: try d.read(), partitions: try d.read(), renamedFrom: try d.read())
        exclusions = try d.read()
    }
}

extension View: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.write(name); e.write(query); e.write(materialized); e.write(comment); e.write(grants); e.write(securityInvoker); e.write(indexes)
    }
    public init(from d: inout CompactDecoder) throws {
        self.init(name: try d.read(), query: try d.read(), materialized: try d.read(), comment: try d.read(), grants: try d.read(),
                  securityInvoker: try d.read())
        indexes = try d.read()
    }
}

extension PostgresSchema: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.write(schemas); e.write(extensions); e.write(roles); e.write(enums); e.write(domains); e.write(sequences); e.write(functions); e.write(tables)
        e.write(views)
        // An inspected database's (kept by `diff`), in a stable order.
        func order(_ c: ColumnName) -> [String] { [c.relation.schema, c.relation.name, c.column ?? ""] }
        let reads = viewReads.sorted { order(ColumnName($0.key, nil)).lexicographicallyPrecedes(order(ColumnName($1.key, nil))) }
        e.write(reads.map(\.key))
        e.write(reads.map { $0.value.sorted { order($0).lexicographicallyPrecedes(order($1)) } })
    }
    public init(from d: inout CompactDecoder) throws {
        self.init()
        schemas = try d.read(); extensions = try d.read(); roles = try d.read(); enums = try d.read(); domains = try d.read(); sequences = try d.read()
        functions = try d.read(); tables = try d.read(); views = try d.read()
        let readers = try d.read([QualifiedName].self), reads = try d.read([[ColumnName]].self)
        guard readers.count == reads.count else { throw CompactCoding.Failure(description: "view reads without their views") }
        viewReads = Dictionary(zip(readers, reads.map(Set.init)), uniquingKeysWith: { a, b in a.union(b) })
    }
}

extension DefinitionSet: CompactCodable {
    public func encode(to e: inout CompactEncoder) {
        e.write(sourceFiles); e.write(postgres)
        // The ClickHouse section is a few dozen objects at most: JSON is quick enough.
        e.write(clickhouse.map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data(), as: UTF8.self) })
        e.write(redis.map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data(), as: UTF8.self) })
        let places = locations.sorted { $0.key < $1.key }
        e.write(places.map(\.key)); e.write(places.map(\.value.file)); e.write(places.map(\.value.line)); e.write(places.map(\.value.column))
    }

    public init(from d: inout CompactDecoder) throws {
        self.init(sourceFiles: try d.read(), postgres: try d.read())
        if let json = try d.read(String?.self) {
            clickhouse = try JSONDecoder().decode(ClickHouseSchema.self, from: Data(json.utf8))
        }
        if let json = try d.read(String?.self) {
            redis = try JSONDecoder().decode(RedisSchema.self, from: Data(json.utf8))
        }
        let keys = try d.read([String].self), files = try d.read([String].self), lines = try d.read([Int].self), columns = try d.read([Int].self)
        for i in keys.indices where i < files.count && i < lines.count && i < columns.count {
            locations[keys[i]] = SourceLocation(file: files[i], line: lines[i], column: columns[i])
        }
    }
}

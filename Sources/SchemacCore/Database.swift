import Dispatch
import SchemacModel
import SchemacPostgres
import SchemacPostgresDriver

// The libpq driver serves the inspector as its catalog reader.
extension PostgresConnection: CatalogReader {}
extension PostgresConnection: CatalogSession {}

/// A live database inspected while the definitions load: connecting and
/// inspecting wait on the server, loading on YAML, so they overlap.
///
/// Connections open at once, in the background. `start(schemas:)` begins the
/// inspection as soon as the loader knows which schemas the definitions
/// declare; `finish(schemas:)` waits for it, and inspects again should the
/// resolved definitions use a schema the declarations did not show.
public final class LiveInspection: @unchecked Sendable {
    // Everything below is touched only on `queue`, or after `queue.sync`.
    private let queue = DispatchQueue(label: "schemac.live-inspection")
    private var connections: Result<[PostgresConnection], Error>?
    private var inspected: (schemas: [String], result: Result<PostgresSchema, Error>)?

    /// Two connections: the inspector's queries run in two lanes.
    public init(target: String) {
        queue.async {
            self.connections = Result { [try PostgresConnection(target), try PostgresConnection(target)] }
        }
    }

    public func start(schemas: [String]) {
        queue.async {
            guard case .success(let connections) = self.connections else { return }
            self.inspected = (schemas, Result { try PostgresInspector.inspect(connections, schemas: schemas) })
        }
    }

    /// The live schema, and a connection to go on with. Throws the
    /// connection's error as a `PostgresError`.
    public func finish(schemas: [String]) throws -> (live: PostgresSchema, connection: PostgresConnection) {
        queue.sync {}
        let connections = try connections!.get()
        if let inspected, inspected.schemas == schemas { return (try inspected.result.get(), connections[0]) }
        return (try PostgresInspector.inspect(connections, schemas: schemas), connections[0])
    }
}
